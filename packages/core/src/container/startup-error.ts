import { KeelError } from '../errors/keel-error.js';

/** One instance that could not open. */
export interface StartupFailure {
  readonly interface: string;
  readonly name: string;
  readonly adapter: string;
  /** The interface's own error (`KvError`, `SqlError`, …) with its code. */
  readonly error: KeelError;
}

/**
 * `createKeel` could not open an adapter (a locked folder, an unreachable server). Config
 * mistakes throw `KeelConfigError` instead; this one is returned as an `Err`.
 */
export class KeelStartupError extends KeelError<'OPEN_FAILED'> {
  override readonly name = 'KeelStartupError';
  readonly failures: readonly StartupFailure[];

  constructor(failures: readonly StartupFailure[]) {
    const lines = failures.map((f) => `${f.interface}.${f.name} (${f.adapter}): ${f.error.message} [${f.error.code}]`);
    super({
      code: 'OPEN_FAILED',
      message: `Keel could not start:\n  - ${lines.join('\n  - ')}`,
      adapter: 'keel',
      op: 'open',
    });
    this.failures = failures;
  }
}
