/**
 * Which origins a client may call. Each entry is `host`, `host:port` or `*.domain`, optionally
 * with `http://` or `https://` in front — the grammar of a component's `grants.http` in
 * `@keel/wasm-host`, so an app's allow-list and a component's read the same. Without a scheme
 * only https is allowed; without a port only the scheme's default port. `*.domain` matches
 * names under `domain`, not `domain` itself. IPv6 hosts are written in brackets (`[::1]:8080`).
 *
 * Matching works on the URL as WHATWG parses it (what fetch sends), so `127.1`, `0x7f.0.0.1` and
 * `2130706433` are `127.0.0.1`, and `http://allowed@evil` is host `evil`.
 */
export interface AllowRule {
  readonly scheme: 'http' | 'https';
  readonly wildcard: boolean;
  readonly host: string;
  readonly port: string;
}

const ENTRY = /^(?:(https?):\/\/)?(\*\.)?([a-z0-9.-]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?\/?$/i;

/** The problem with an allow-list entry, or `undefined` when it reads. */
export function allowEntryProblem(entry: string): string | undefined {
  const m = ENTRY.exec(entry.trim());
  if (!m) return `'${entry}' is not a host, host:port or *.domain (optionally with http:// or https://)`;
  if (m[2] !== undefined && (m[3] as string).startsWith('[')) return `'${entry}': an IP address takes no '*.'`;
  if (m[4] !== undefined && (Number(m[4]) < 1 || Number(m[4]) > 65535)) return `'${entry}': the port is not 1-65535`;
  return undefined;
}

/**
 * The rules of an allow-list; entries are checked by the options schema first
 * (`allowEntryProblem`), so a bad one here is a programming mistake and throws.
 *
 * @example
 * const allows = allowList(['api.example.com', 'http://127.0.0.1:8080', '*.internal.example']);
 * allows(new URL('https://api.example.com/orders')); // true
 */
export function allowList(entries: readonly string[]): (url: URL) => boolean {
  const rules = entries.map(rule);
  return (url) => {
    const scheme = url.protocol.slice(0, -1);
    if (scheme !== 'http' && scheme !== 'https') return false;
    const port = url.port || defaultPort(scheme);
    const host = url.hostname;
    return rules.some(
      (r) => r.scheme === scheme && r.port === port && (r.wildcard ? host.endsWith(`.${r.host}`) : host === r.host),
    );
  };
}

function rule(entry: string): AllowRule {
  const problem = allowEntryProblem(entry);
  if (problem !== undefined) throw new TypeError(`allow: ${problem}`);
  const m = ENTRY.exec(entry.trim()) as RegExpExecArray;
  const scheme = (m[1] ?? 'https').toLowerCase() as 'http' | 'https';
  // Through the URL parser, so an entry is normalised exactly as a request's host is.
  const host = new URL(`${scheme}://${m[3] as string}`).hostname;
  return {
    scheme,
    wildcard: m[2] !== undefined,
    host,
    port: m[4] === undefined ? defaultPort(scheme) : String(Number(m[4])),
  };
}

function defaultPort(scheme: string): string {
  return scheme === 'http' ? '80' : '443';
}
