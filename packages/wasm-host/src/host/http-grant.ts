import { allowList } from '@keel/http-client';

/** host, host:port, [v6]:port — what a wasi:http authority may be; a user name (`allowed@evil`) is not. */
const AUTHORITY = /^([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/i;

/**
 * Whether a guest's outgoing request may go out, by `@keel/http-client`'s allow-list: one
 * grammar and one matcher for an app's client and a component's `grants.http`. wasi:http gives
 * a scheme and an authority; they are checked as the URL preview2-shim's fetch will request.
 * It runs on the host thread: an isolated guest asks through its bridge, like any host call.
 *
 * @example
 * const allows = grantAllows(['api.example.com']);
 * allows('https', 'api.example.com'); // true
 */
export function grantAllows(allow: readonly string[]): (scheme: string, authority: string | undefined) => boolean {
  const allows = allowList(allow);
  return (scheme, authority) => {
    if (authority === undefined || !AUTHORITY.test(authority) || (scheme !== 'http' && scheme !== 'https'))
      return false;
    const url = `${scheme}://${authority}/`;
    return URL.canParse(url) && allows(new URL(url));
  };
}
