/** One sample of a scrape. */
export interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/**
 * A strict reader of Prometheus's text format (0.0.4), as a scraper reads it: every line is a
 * HELP, a TYPE or a sample, samples follow their family's TYPE, label values are unescaped.
 * Throws on anything else, so that a test reading a scrape checks the format too.
 */
export function parsePrometheus(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  if (text !== '' && !text.endsWith('\n')) throw new Error('the text must end with a newline');
  for (const line of text.split('\n').slice(0, -1)) {
    const help = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*$/.exec(line);
    if (help) continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      if (types.has(type[1] as string)) throw new Error(`TYPE twice for ${type[1]}`);
      types.set(type[1] as string, type[2] as string);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not a Prometheus line: ${JSON.stringify(line)}`);
    const [, name, labelText, valueText] = sample as unknown as [string, string, string | undefined, string];
    const family = [...types.keys()].find(
      (f) => name === f || ['_bucket', '_sum', '_count'].some((suffix) => name === f + suffix),
    );
    if (family === undefined) throw new Error(`sample ${name} before its TYPE`);
    const labels: Record<string, string> = {};
    if (labelText) {
      const pair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;
      let at = 0;
      while (at < labelText.length) {
        pair.lastIndex = at;
        const m = pair.exec(labelText);
        if (!m) throw new Error(`bad labels: ${labelText}`);
        labels[m[1] as string] = (m[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
        at = pair.lastIndex;
      }
    }
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    if (Number.isNaN(value) && valueText !== 'NaN') throw new Error(`bad value: ${valueText}`);
    samples.push({ name, labels, value });
  }
  return { types, samples };
}

/** The samples named `name` whose labels include `labels`. */
export function pick(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}
