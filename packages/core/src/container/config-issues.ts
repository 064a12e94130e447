/**
 * Collects config problems as `path: message`, naming the environment variable when the value
 * at that path came from one (`kv.options.sweepIntervalMs: … (from KEEL_KV_OPTIONS_SWEEP_INTERVAL_MS)`).
 */
export class ConfigIssues {
  readonly list: string[] = [];

  constructor(
    /** Config path → the variable that set it. */
    private readonly sources: ReadonlyMap<string, string> = new Map(),
  ) {}

  add(path: string, message: string): void {
    this.list.push(`${path}: ${message}${this.source(path)}`);
  }

  /** Lines already formatted elsewhere (`path: message`). */
  addAll(lines: readonly string[]): void {
    this.list.push(...lines);
  }

  get size(): number {
    return this.list.length;
  }

  private source(path: string): string {
    for (const [set, variable] of this.sources) {
      if (path === set || path.startsWith(`${set}.`) || path.startsWith(`${set}[`)) return ` (from ${variable})`;
    }
    return '';
  }
}
