import { resolve } from 'node:path';
import { createMemoryKv } from '@keel/adapter-kv-memory';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { createMemoryExecutionLog, createWasmHost } from '@keel/wasm-host';
import { CliError, type CliIo, report } from '../cli-io.js';
import { readExisting } from './keys.js';

export interface TestOptions {
  readonly file: string;
  readonly exportName: string;
  /** Each argument as JSON. */
  readonly args: readonly string[];
  readonly grants?: string;
  readonly mode?: string;
  readonly json: boolean;
}

/**
 * `keel component test <file.wasm> <export> [json args…]`: loads the component on throwaway
 * adapters (memory kv, an in-memory SQLite) with the grants given, calls the export once, and
 * prints the result and the execution record (duration, host calls, memory, output).
 */
export async function testComponent(io: CliIo, o: TestOptions): Promise<number> {
  const bytes = readExisting(resolve(io.cwd, o.file), 'the component');
  const args = o.args.map((text, i) => parseJson(text, `argument ${i + 1}`));
  const grants = o.grants === undefined ? {} : parseJson(o.grants, '--grants');
  if (o.mode !== undefined && o.mode !== 'isolated' && o.mode !== 'in-thread')
    throw new CliError('INVALID_ARGUMENT', `--mode ${o.mode} is not a mode`, 'use --mode isolated or --mode in-thread');
  const log = createMemoryExecutionLog();
  const sql = createSqliteSql({ filename: ':memory:' });
  const host = createWasmHost({ kv: createMemoryKv(), sql }, { cacheDir: false, executionLog: log, logger: {} });
  try {
    const loaded = await host.load(bytes, {
      grants: grants as never,
      ...(o.mode ? { mode: o.mode as 'isolated' } : {}),
    });
    if (loaded.isErr())
      throw new CliError(loaded.error.code, loaded.error.message, 'check the component and its grants');
    if (
      !loaded.value.exports.includes(o.exportName) &&
      !loaded.value.exports.some((e) => e.endsWith(`#${o.exportName}`))
    )
      throw new CliError(
        'UNKNOWN_EXPORT',
        `${o.file} has no export '${o.exportName}'`,
        `exports: ${loaded.value.exports.join(', ') || 'none'}`,
      );
    const result = await loaded.value.call(o.exportName, ...args);
    const record = log.records().at(-1);
    const value = result.isOk()
      ? { ok: result.value, record }
      : { error: { code: result.error.code, message: result.error.message }, record };
    const human = [
      result.isOk()
        ? `→ ${JSON.stringify(result.value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`
        : `✗ ${result.error.code}: ${result.error.message}`,
      record
        ? `  ${record.durationMs.toFixed(2)} ms, host calls ${JSON.stringify(record.hostCalls)}, denied ${record.deniedCalls}, memory ${record.memoryPages ?? '?'} pages`
        : '',
      record?.stdout ? `  stdout: ${record.stdout.trimEnd()}` : '',
      record?.stderr ? `  stderr: ${record.stderr.trimEnd()}` : '',
    ].filter(Boolean);
    report(io, o.json, value, human.join('\n'));
    return result.isOk() ? 0 : 1;
  } finally {
    await host.close();
    await sql.close();
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError('INVALID_ARGUMENT', `${what} is not JSON: ${text}`, `quote strings as JSON, e.g. '"Ada"'`);
  }
}
