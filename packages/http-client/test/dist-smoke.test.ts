import { describeBuiltPackage } from '@keel/testing';

// The built package the way an app gets it: plain `node`, no source condition, so
// `@keel/http-client` and `@keel/core` resolve to their `dist`. The server is on loopback.
const script = `
  import { createServer } from 'node:http';
  import { createHttpClient, HttpClientError } from '@keel/http-client';
  let n = 0;
  const server = createServer((req, res) => (++n === 1 ? res.writeHead(503, { 'retry-after': '0' }).end() : res.end('ok')));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = 'http://127.0.0.1:' + server.address().port;
  const http = createHttpClient({ allow: [origin] });
  const got = (await http.get(origin + '/'))._unsafeUnwrap();
  const refused = (await http.get('http://' + origin.slice(7) + '@example.com/'))._unsafeUnwrapErr();
  const outside = (await http.get('https://example.com/'))._unsafeUnwrapErr();
  server.close();
  console.log(JSON.stringify({ text: got.text(), attempts: got.attempts, codes: [refused.code, outside.code], typed: outside instanceof HttpClientError }));`;

describeBuiltPackage({
  folder: new URL('..', import.meta.url),
  script,
  expected: { text: 'ok', attempts: 2, codes: ['INVALID_URL', 'NOT_ALLOWED'], typed: true },
});
