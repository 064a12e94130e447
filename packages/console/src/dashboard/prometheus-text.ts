/** One sample of Prometheus's text format: `name{label="value"} 12`. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * The samples of a Prometheus text exposition (what `keel.observability.metricsText()` renders);
 * comments, blank lines and lines it cannot read are skipped, so a family it does not know
 * never breaks the page that reads the ones it does.
 *
 * @example
 * parsePrometheusText('keel_wasm_executions_total{component="a",outcome="ok"} 3');
 * // [{ name: 'keel_wasm_executions_total', labels: { component: 'a', outcome: 'ok' }, value: 3 }]
 */
export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseLine(line);
    if (sample) samples.push(sample);
  }
  return samples;
}

function parseLine(line: string): PromSample | undefined {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
  if (!name) return undefined;
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at++;
    while (line[at] !== '}') {
      const key = /^[a-zA-Z_][a-zA-Z0-9_]*="/.exec(line.slice(at))?.[0];
      if (!key) return undefined;
      at += key.length;
      let value = '';
      for (;;) {
        const c = line[at++];
        if (c === undefined) return undefined;
        if (c === '"') break;
        if (c === '\\') {
          const e = line[at++];
          value += e === 'n' ? '\n' : (e ?? '');
        } else value += c;
      }
      labels[key.slice(0, -2)] = value;
      if (line[at] === ',') at++;
    }
    at++;
  }
  const value = numberOf(line.slice(at).trim().split(/\s+/)[0] ?? '');
  return Number.isNaN(value) ? undefined : { name, labels, value };
}

/** A sample value: Go's float text, `+Inf` and `-Inf` included (`NaN` is left out by the caller). */
function numberOf(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return text === '' ? Number.NaN : Number(text);
}
