import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TsSource, upperSnake, witShape, witSource, type InterfaceShape } from './wit-shape.js';

const src = (path: string) => join(import.meta.dirname, '../src', path);
const contractFiles = [
  'kv/kv-contract.ts',
  'kv/kv-errors.ts',
  'kv/kv-values.ts',
  'sql/sql-contract.ts',
  'sql/sql-errors.ts',
  'email/email-contract.ts',
  'email/email-errors.ts',
  'messaging/messaging-contract.ts',
  'messaging/messaging-errors.ts',
  'auth/auth-contract.ts',
  'auth/auth-errors.ts',
  'blobstore/blobstore-contract.ts',
  'blobstore/blobstore-errors.ts',
].map(src);

/**
 * The contract as core's TypeScript states it, in the WIT's terms. Where TypeScript uses native
 * types for a WIT variant (values, params), the documented mapping is spelled out here, so a
 * change to either side fails the comparison.
 */
function tsShape(ts = new TsSource(contractFiles)): Record<string, Partial<InterfaceShape>> {
  return {
    kv: {
      functions: ts.methods('KvOperations'),
      types: {
        Value: ts.literals('KvValueType'),
        SetOptions: ts.fields('KvSetOptions'),
        Expiry: ts.kinds('KvExpiry'),
        Entry: ts.fields('KvEntry'),
        ScanOptions: ts.fields('KvScanOptions'),
        ScanPage: ts.fields('KvScanPage'),
        Error: ts.literals('KvErrorCode'),
      },
    },
    sql: {
      functions: ts.methods('SqlOperations'),
      resources: { Transaction: ts.methods('SqlTransactionOperations') },
      types: {
        // SqlValue is null | number | bigint | string | Uint8Array, one JavaScript type per case.
        Value: ['null', 'integer', 'real', 'text', 'blob'],
        // SqlParams is an array (positional) or an object (named).
        Params: ['positional', 'named'],
        QueryResult: ts.fields('SqlQueryResult'),
        ExecuteResult: ts.fields('SqlExecuteResult'),
        ConstraintKind: ts.literals('SqlConstraintKind'),
        // SqlError carries the kind as `constraint` beside its `message`.
        ConstraintViolation: ['kind', 'message'],
        Error: ts.literals('SqlErrorCode'),
      },
    },
    email: {
      functions: ts.methods('EmailOperations'),
      types: {
        Address: ts.fields('EmailAddress'),
        Attachment: ts.fields('EmailAttachment'),
        Header: ts.fields('EmailHeader'),
        Message: ts.fields('EmailMessage'),
        Receipt: ts.fields('EmailReceipt'),
        // EmailError carries `retryAfterMs` beside its `message` when RATE_LIMITED.
        RateLimit: ['retryAfterMs', 'message'],
        Error: ts.literals('EmailErrorCode'),
      },
    },
    messaging: {
      functions: ts.methods('MessagingOperations'),
      types: {
        Header: ts.fields('MessagingHeader'),
        PublishOptions: ts.fields('PublishOptions'),
        Receipt: ts.fields('PublishReceipt'),
        StartPosition: ts.kinds('StartPosition'),
        ConsumerConfig: ts.fields('ConsumerConfig'),
        Message: ts.fields('ReceivedMessage'),
        PullOptions: ts.fields('PullOptions'),
        Error: ts.literals('MessagingErrorCode'),
      },
    },
    auth: {
      functions: ts.methods('AuthOperations'),
      types: {
        RequestContext: ts.fields('AuthRequestContext'),
        Registration: ts.fields('AuthRegistration'),
        Credentials: ts.fields('AuthCredentials'),
        User: ts.fields('AuthUser'),
        Principal: ts.fields('AuthPrincipal'),
        TokenPair: ts.fields('AuthTokenPair'),
        Session: ts.fields('AuthSession'),
        OidcLoginOptions: ts.fields('OidcLoginOptions'),
        OidcRedirect: ts.fields('OidcRedirect'),
        OidcLogin: ts.fields('OidcLogin'),
        // AuthError carries these beside its `message`: lockedUntil, retryAfterMs, reasons.
        Lockout: ['lockedUntil', 'message'],
        RateLimit: ['retryAfterMs', 'message'],
        PasswordRejection: ['reasons', 'message'],
        Error: ts.literals('AuthErrorCode'),
      },
    },
    blobstore: {
      // In WIT the body of a write streams through the `outgoing-value` it returns; here it is an argument.
      functions: withoutParam(ts.methods('BlobstoreOperations'), 'write', 'body'),
      resources: {
        // BlobObject is `{ metadata, body: Readable }`: the Readable is what `read` pulls from.
        IncomingValue: { metadata: [], read: ['maxBytes'] },
        // A write's body is an async iterable the adapter consumes; its end is `finish`.
        OutgoingValue: { write: ['chunk'], finish: [] },
      },
      types: {
        ObjectMetadata: ts.fields('BlobMetadata'),
        ByteRange: ts.fields('BlobByteRange'),
        ReadOptions: ts.fields('BlobReadOptions'),
        WriteOptions: ts.fields('BlobWriteOptions'),
        ListOptions: ts.fields('BlobListOptions'),
        ListPage: ts.fields('BlobListPage'),
        PresignMethod: ts.literals('BlobPresignMethod'),
        PresignOptions: ts.fields('BlobPresignOptions'),
        Error: ts.literals('BlobstoreErrorCode'),
      },
    },
  };
}

function withoutParam(methods: Record<string, string[]>, method: string, param: string): Record<string, string[]> {
  return { ...methods, [method]: (methods[method] ?? []).filter((p) => p !== param) };
}

/** WIT error cases become UPPER_SNAKE codes; everything else keeps jco's names. */
function comparableWit(shapes: Record<string, InterfaceShape>): Record<string, Partial<InterfaceShape>> {
  return Object.fromEntries(
    Object.entries(shapes)
      // `log` is served by @keel/wasm-host to guests only; it has no adapter and no core mirror.
      .filter(([name]) => name !== 'log')
      .map(([name, shape]) => [
        name,
        {
          functions: shape.functions,
          ...(Object.keys(shape.resources).length ? { resources: shape.resources } : {}),
          types: Object.fromEntries(
            Object.entries(shape.types)
              .filter(([type]) => !/^(Value|Error|Expiry|Params)[A-Z]/.test(type))
              .map(([type, members]) => [type, type === 'Error' ? members.map(upperSnake) : members]),
          ),
        },
      ]),
  );
}

describe('WIT ↔ TypeScript contract', () => {
  let wit: Record<string, Partial<InterfaceShape>>;
  beforeAll(async () => {
    wit = comparableWit(await witShape(witSource()));
  });

  it('has the same functions, parameters, resources, variants, enums and records on both sides', () => {
    expect(tsShape()).toEqual(wit);
  });

  it('fails when the WIT changes: a renamed function, parameter or error case', async () => {
    const changes: [string, string][] = [
      ['get: func(key: string)', 'fetch: func(key: string)'],
      ['expire: func(key: string, ttl-ms: option<u64>)', 'expire: func(key: string, ms: option<u64>)'],
      ['    busy(string),', '    busy(string),\n    timeout(string),'],
      ['    ack-wait-ms: u32,', '    ack-wait: u32,'],
      ['    if-absent: bool,', '    if-none-match: bool,'],
      ['    finish: func() -> result<object-metadata, error>;', '    close: func() -> result<object-metadata, error>;'],
      [
        '    rollback: func() -> result<_, error>;',
        '    rollback: func() -> result<_, error>;\n    release: func() -> result<_, error>;',
      ],
    ];
    const source = witSource();
    expect(tsShape()).toEqual(comparableWit(await witShape(source)));
    for (const [from, to] of changes) {
      expect(source, from).toContain(from);
      const changed = comparableWit(await witShape(source.replace(from, to)));
      expect(tsShape(), `after changing "${from}"`).not.toEqual(changed);
    }
  });

  it('fails when the TypeScript changes: a renamed method, parameter or error code', async () => {
    const wit = comparableWit(await witShape(witSource()));
    const dir = await mkdtemp(join(tmpdir(), 'keel-drift-'));
    const changes: [string, string, string][] = [
      ['kv/kv-contract.ts', '  getMany(keys: readonly string[])', '  getAll(keys: readonly string[])'],
      [
        'sql/sql-contract.ts',
        '  executeScript(script: string): ResultAsync<void, SqlError>;\n  /** Starts a transaction',
        '  executeScript(sql: string): ResultAsync<void, SqlError>;\n  /** Starts a transaction',
      ],
      ['kv/kv-errors.ts', "  | 'INVALID_CURSOR'\n", ''],
      ['messaging/messaging-contract.ts', "kind: 'at-time'", "kind: 'at-ms'"],
      [
        'messaging/messaging-contract.ts',
        '  nak(token: string, delayMs?: number)',
        '  nak(token: string, delay?: number)',
      ],
      ['blobstore/blobstore-errors.ts', "  | 'PRECONDITION'\n", ''],
      ['blobstore/blobstore-contract.ts', '  readonly createdAtMs: number;', '  readonly createdMs: number;'],
      ['sql/sql-contract.ts', "'check' | 'other'", "'check' | 'exclusion' | 'other'"],
    ];
    for (const [file, from, to] of changes) {
      const original = await readFile(src(file), 'utf8');
      expect(original, from).toContain(from);
      const copy = join(dir, file.replace('/', '-'));
      await writeFile(copy, original.replace(from, to));
      const changed = new TsSource(contractFiles.map((f) => (f === src(file) ? copy : f)));
      expect(tsShape(changed), `after changing "${from}" in ${file}`).not.toEqual(wit);
    }
  });
});
