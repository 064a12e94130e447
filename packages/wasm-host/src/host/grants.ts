import { boolean, integer, oneOf, option, string, text } from '@keel/core/adapter';
import * as v from 'valibot';
import type { BlobstoreGrant } from '../imports/blobstore-binding.js';
import { blobstoreGrant } from './blobstore-grant.js';
import type { EmailGrant } from '../imports/email-binding.js';
import type { KvGrant } from '../imports/kv-binding.js';
import type { MessagingGrant } from '../imports/messaging-binding.js';
import { parseSubjectPattern, subjectPatternProblem } from '../imports/subject-patterns.js';
import type { SqlGrant } from '../imports/sql-binding.js';
import { statementProblem } from '../imports/sql-statement-guard.js';
import { allowEntryProblem } from '@keel/http-client';
import { repositoryGrants, type RepositoryGrant } from '../repository/repository-grant.js';

/** Grants with every default filled in and every field checked. */
export interface ResolvedGrants {
  readonly kv: (KvGrant & { readonly instance: string | undefined }) | undefined;
  readonly sql: (SqlGrant & { readonly instance: string | undefined }) | undefined;
  readonly log: boolean;
  readonly http: readonly string[];
  readonly env: readonly (readonly [string, string])[];
  readonly email: (EmailGrant & { readonly instance: string | undefined }) | undefined;
  readonly auth: boolean;
  /** `consumerPrefix` is `undefined` when the grant leaves it to the component id (`wasm-<id>-`). */
  readonly messaging:
    | (Omit<MessagingGrant, 'consumerPrefix'> & {
        readonly consumerPrefix: string | undefined;
        readonly instance: string | undefined;
      })
    | undefined;
  readonly blobstore: (BlobstoreGrant & { readonly instance: string | undefined }) | undefined;
  /** By interface name (`tasks` for `keel:repository/tasks`). */
  readonly repositories: Readonly<Record<string, RepositoryGrant>>;
}

/**
 * A grant written either as a scalar (`true`, `'read-only'`) or as an object. Chosen by the
 * input's type (rather than `v.union`) so that an object's mistakes keep their own paths
 * (`grants.kv.prefix: …`) instead of becoming one "expected one of" for the whole grant.
 */
function scalarOrObject<S extends v.GenericSchema, O extends v.GenericSchema & { entries: v.ObjectEntries }>(
  scalar: S,
  object: O,
  type: string,
) {
  const schema = v.pipe(
    v.lazy((input): S | O => (typeof input === 'object' && input !== null && !Array.isArray(input) ? object : scalar)),
    v.metadata({ type }),
  );
  // parseOptions reads `entries` to list the known fields (and suggest one) for a misspelt field.
  return Object.assign(schema, { entries: object.entries });
}

/**
 * A prefix must end at a boundary: `'tenant1'` would also cover `tenant10:…`, which the guest
 * reaches by asking for `0:…`. Refused rather than completed, so that the keys the app sees
 * are the ones its config names.
 */
const kvPrefix = v.pipe(
  string(),
  v.check(
    (prefix) => prefix === '' || prefix.endsWith(':') || prefix.endsWith('/'),
    (issue) =>
      `must end with ':' or '/' (a separator), or be '' for the whole store: '${issue.input}' would also cover ` +
      `every key that merely starts with it, such as '${issue.input}0:…'; use '${issue.input}:'`,
  ),
);

const instance = (what: string) =>
  option(text(), {
    defaultText: `the default ${what} instance`,
    description: `A named ${what} instance of the Keel app.`,
  });

const kvGrant = v.pipe(
  scalarOrObject(
    v.boolean('expected true, false or { prefix?, readOnly?, instance? }'),
    v.strictObject(
      {
        prefix: option(kvPrefix, {
          default: '',
          description: "The namespace the component sees as the whole store; it must end with ':' or '/'.",
        }),
        readOnly: option(boolean(), { default: false, description: 'Refuse every write with `access-denied`.' }),
        instance: instance('kv'),
      },
      'expected true, false or { prefix?, readOnly?, instance? }',
    ),
    'boolean | { prefix?, readOnly?, instance? }',
  ),
  v.transform((grant): ResolvedGrants['kv'] => {
    if (grant === false) return undefined;
    if (grant === true) return { prefix: '', readOnly: false, instance: undefined };
    return { prefix: grant.prefix, readOnly: grant.readOnly, instance: grant.instance };
  }),
);

const sqlAccess = oneOf(['read-only', 'read-write']);

/** Named statements: each checked as a guest's statement would be (a write under read-only is a mistake). */
const sqlGrantObject = v.pipe(
  v.strictObject(
    {
      access: option(sqlAccess, { default: 'read-only', description: 'What raw SQL (or the statements) may do.' }),
      instance: instance('sql'),
      statements: option(
        v.pipe(
          v.record(
            text('a statement needs a name'),
            v.pipe(
              string('expected SQL'),
              v.check((s) => s.trim() !== '', 'expected SQL'),
            ),
            'expected an object of names to SQL statements',
          ),
          v.check((s) => Object.keys(s).length > 0, 'expected an object of names to SQL statements'),
        ),
        { description: "Only the host's statements, by name (recommended for untrusted components)." },
      ),
    },
    "expected true, 'read-only', 'read-write' or an object",
  ),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const { access, statements = {} } = dataset.value;
    for (const [name, statement] of Object.entries(statements)) {
      // An empty statement is already reported as such.
      const problem = statement.trim() === '' ? undefined : statementProblem(statement, access);
      if (!problem) continue;
      const at = (key: string, input: object, value: unknown) =>
        ({ type: 'object', origin: 'value', key, input: input as Record<string, unknown>, value }) as const;
      addIssue({
        message: problem,
        input: statement,
        path: [at('statements', dataset.value, statements), at(name, statements, statement)],
      });
    }
  }),
);

const sqlGrant = v.pipe(
  scalarOrObject(
    v.union([boolean(), sqlAccess], "expected true, 'read-only', 'read-write' or an object"),
    sqlGrantObject,
    "boolean | 'read-only' | 'read-write' | { access?, instance?, statements? }",
  ),
  v.transform((grant): ResolvedGrants['sql'] => {
    if (grant === false) return undefined;
    if (grant === true) return { access: 'read-only', instance: undefined };
    if (typeof grant === 'string') return { access: grant, instance: undefined };
    const { access, instance, statements } = grant;
    return { access, instance, ...(statements ? { statements: Object.freeze({ ...statements }) } : {}) };
  }),
);

const emailGrant = v.pipe(
  scalarOrObject(
    v.boolean('expected true, false or { from?, instance? }'),
    v.strictObject(
      {
        from: option(v.array(string('expected a sender address'), 'expected an array of sender addresses'), {
          defaultText: 'any sender',
          description: 'The only sender addresses the component may use.',
        }),
        instance: instance('email'),
      },
      'expected true, false or { from?, instance? }',
    ),
    'boolean | { from?, instance? }',
  ),
  v.transform((grant): ResolvedGrants['email'] => {
    if (grant === false) return undefined;
    if (grant === true) return { from: undefined, instance: undefined };
    return { from: grant.from === undefined ? undefined : Object.freeze([...grant.from]), instance: grant.instance };
  }),
);

const subjectPatterns = (what: string) =>
  option(
    v.array(
      v.pipe(
        string('expected a subject pattern'),
        v.rawCheck(({ dataset, addIssue }) => {
          const problem = dataset.typed ? subjectPatternProblem(dataset.value) : undefined;
          if (problem) addIssue({ message: problem });
        }),
      ),
      'expected an array of subject patterns',
    ),
    { default: [], description: `Subjects the component may ${what}: \`orders.created\`, \`orders.*\`, \`orders.>\`.` },
  );

/** A consumer prefix ends at a boundary, for the reason a kv prefix does. */
const consumerPrefix = v.pipe(
  string(),
  v.regex(
    /^[A-Za-z0-9_-]{1,40}[-_]$/,
    "must be 2 to 41 ASCII letters, digits, '_' and '-' ending with '-' or '_' (a separator), such as 'billing-'",
  ),
);

const messagingGrant = v.pipe(
  scalarOrObject(
    v.literal(false, 'expected false or { publish?, consume?, maxMessageBytes?, consumerPrefix?, instance? }'),
    v.strictObject(
      {
        publish: subjectPatterns('publish to (and name as a dead-letter subject)'),
        consume: subjectPatterns('create consumers on and pull from'),
        maxMessageBytes: option(integer(1, 512 * 1024 * 1024), {
          defaultText: "the adapter's limit",
          description: 'Largest message the component may publish (data plus headers), in bytes.',
        }),
        consumerPrefix: option(consumerPrefix, {
          defaultText: '`wasm-<component id>-`',
          description: "Where the component's consumer names live, invisibly to it.",
        }),
        instance: instance('messaging'),
      },
      'expected false or { publish?, consume?, maxMessageBytes?, consumerPrefix?, instance? }',
    ),
    'false | { publish?, consume?, maxMessageBytes?, consumerPrefix?, instance? }',
  ),
  v.transform((grant): ResolvedGrants['messaging'] => {
    if (grant === false) return undefined;
    return {
      publish: Object.freeze((grant.publish ?? []).map(parseSubjectPattern)),
      consume: Object.freeze((grant.consume ?? []).map(parseSubjectPattern)),
      maxMessageBytes: grant.maxMessageBytes,
      consumerPrefix: grant.consumerPrefix,
      instance: grant.instance,
    };
  }),
);

const httpHost = v.pipe(
  string('expected a host name'),
  v.check(
    (host) => allowEntryProblem(host) === undefined,
    'expected a host, host:port or *.domain (optionally with http:// or https://)',
  ),
);

/**
 * What a component may use. Everything is denied unless granted here; a denied call reaches the
 * guest as its interface's `access-denied` error (WASI: the matching error code) and is logged.
 */
export const wasmGrantsOptions = v.pipe(
  v.strictObject({
    kv: option(kvGrant, {
      default: false,
      description:
        '`true` for the whole store, or a namespace the component sees as the whole store; ' +
        '`instance` picks a named kv instance of the Keel app.',
    }),
    sql: option(sqlGrant, {
      default: false,
      description:
        "`true` or `'read-only'` for single SELECT, WITH or VALUES statements; `'read-write'` for everything but " +
        'statements that reach outside the database. Raw SQL runs in a sql sandbox; `statements` allows only ' +
        "the host's statements, by name.",
    }),
    log: option(boolean(), { default: true, description: "The `log` interface into the host's logger." }),
    http: option(v.array(httpHost, 'expected an array of host names'), {
      default: [],
      description:
        'Hosts outgoing HTTP may reach: `api.example.com`, `api.example.com:8443`, `*.example.com`, ' +
        '`http://localhost:8080`.',
    }),
    env: option(
      v.pipe(
        v.record(v.string(), string(), 'expected an object of strings'),
        v.check((env) => !Array.isArray(env), 'expected an object of strings'),
      ),
      {
        default: {},
        description: "Environment variables the guest sees (none of the host's).",
      },
    ),
    email: option(emailGrant, {
      default: false,
      description:
        'Sending mail (isolated mode). `true` allows any sender; `{ from }` only the listed sender addresses; ' +
        '`instance` picks a named email instance of the Keel app.',
    }),
    auth: option(boolean(), {
      default: false,
      description:
        'Checking callers (isolated mode): `verify-session`, `verify-access-token`, `get-user` and `authorize`.',
    }),
    messaging: option(messagingGrant, {
      default: false,
      description:
        'Publishing and consuming (isolated mode): `publish` and `consume` list subject patterns (`*` one token, ' +
        'a final `>` one or more); consumer names live under `consumerPrefix`; `maxMessageBytes` caps a publish.',
    }),
    blobstore: option(blobstoreGrant, {
      default: false,
      description:
        "Files (isolated mode): `containers` by name, each `{ prefix?, access?, maxObjectBytes? }`: keys under `prefix` (ending with '/'), " +
        "`'read'` or `'read-write'`, and the largest object the component may write.",
    }),
    repositories: option(repositoryGrants, {
      default: {},
      description:
        "The host's repositories by name, each `'read'` (or `true`), `'read-write'` or `{ access?, tenant? }` " +
        "(in-thread, one with `repository.sync`): a fixed tenant, else the caller's.",
    }),
  }),
  // The form the bindings use.
  v.transform(
    (grants): ResolvedGrants => ({
      ...grants,
      http: Object.freeze([...(grants.http ?? [])]),
      env: Object.entries(grants.env ?? {}),
    }),
  ),
);

/** What a component may use (the `grants` of `host.load`). */
export type WasmGrants = v.InferInput<typeof wasmGrantsOptions>;
