import { runBuilt } from '@keel/testing';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built package the way a user gets it: plain `node`, no source condition, so
// `@keel/adapter-email` (a self-reference) and `@keel/core` resolve to their `dist`.
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

const script = (load: string) => `
  ${load}
  const email = createOutboxEmail();
  const sent = await email.send({ from: 'App <app@example.com>', to: ['ada@example.com'], subject: 'Grüße', text: 'Hi', idempotencyKey: 'k' });
  const bad = await email.send({ from: 'App <app@example.com>', to: ['ada@example.com'], subject: 'a\\nb', text: 'Hi' });
  const eml = email.messages()[0].eml.toString();
  // SES builds its MIME message (nodemailer's MailComposer) before it finds nobody listening.
  const ses = createSesEmail({ region: 'eu-west-1', accessKeyId: 'AKIA1', secretAccessKey: 's', baseUrl: 'http://127.0.0.1:1', retry: false });
  const unreachable = await ses.send({ from: 'a@example.com', to: ['b@example.com'], subject: 's', text: 't' });
  await Promise.all([email.close(), ses.close()]);
  console.log(JSON.stringify({ provider: sent._unsafeUnwrap().provider, code: bad._unsafeUnwrapErr().code, subject: /Subject: =\\?UTF-8\\?Q\\?Gr=C3=BC=C3=9Fe\\?=/.test(eml), ses: unreachable._unsafeUnwrapErr().code }));`;

const run = (code: string, type: 'module' | 'commonjs') => runBuilt(new URL('..', import.meta.url), code, { type });

describe('built package', () => {
  it('exists (run `pnpm build` first)', () => {
    expect(existsSync(dist)).toBe(true);
  });

  for (const [type, load] of [
    ['module', "import { createOutboxEmail, createSesEmail } from '@keel/adapter-email';"],
    ['commonjs', "const { createOutboxEmail, createSesEmail } = require('@keel/adapter-email');"],
  ] as const) {
    it(`works from ${type === 'module' ? 'ESM' : 'CJS'}`, () => {
      const child = run(script(load), type);
      expect(child.stderr).toBe('');
      expect(JSON.parse(child.stdout)).toEqual({
        provider: 'outbox',
        code: 'INVALID_MESSAGE',
        subject: true,
        ses: 'UNAVAILABLE',
      });
    });
  }
});
