import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The content type of Prometheus's text exposition format.
 *
 * @example
 * res.writeHead(200, { 'content-type': prometheusContentType }).end(await keel.observability.metricsText());
 */
export const prometheusContentType = 'text/plain; version=0.0.4; charset=utf-8';

/** One sample line: `name{label="value",…} value`, label values escaped as the format says. */
export function formatSample(name: string, labels: readonly (readonly [string, string])[], value: number): string {
  if (labels.length === 0) return `${name} ${formatValue(value)}`;
  const text = labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
  return `${name}{${text}} ${formatValue(value)}`;
}

/** A number as the format writes it: `+Inf`, `-Inf`, `NaN`, or JavaScript's shortest form. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/**
 * A Node `(req, res)` handler that answers GET (and HEAD) with `text()`, for a scrape endpoint.
 * A failure to produce the text is a 500 with its message; other methods are 405.
 */
export function textHandler(text: () => Promise<string>) {
  return (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('GET only\n');
      return Promise.resolve();
    }
    return text().then(
      (body) => {
        res.writeHead(200, { 'content-type': prometheusContentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(`metrics failed: ${error instanceof Error ? error.message : String(error)}\n`);
      },
    );
  };
}
