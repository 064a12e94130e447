/** The JSON Schemas of the console's bodies: what the routes answer is checked against these in tests. */
const nullable = (schema: Record<string, unknown>) => ({ anyOf: [schema, { type: 'null' }] });
const time = { type: 'string', format: 'date-time' };
const str = { type: 'string' };
const int = { type: 'integer' };
const json = {};

export const schemas = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: str, message: str, step: str, errors: { type: 'array' }, permission: str },
      },
    },
  },
  Canary: nullable({
    type: 'object',
    required: ['version', 'percent'],
    properties: { version: str, percent: { type: 'number' } },
  }),
  ModuleSummary: {
    type: 'object',
    required: ['name', 'active', 'previous', 'canary', 'versionCount', 'lastUploadAt'],
    properties: {
      name: str,
      active: nullable(str),
      previous: nullable(str),
      canary: { $ref: '#/components/schemas/Canary' },
      versionCount: int,
      lastUploadAt: time,
    },
  },
  ModulePage: {
    type: 'object',
    required: ['items', 'cursor'],
    properties: {
      items: { type: 'array', items: { $ref: '#/components/schemas/ModuleSummary' } },
      cursor: nullable(str),
    },
  },
  Version: {
    type: 'object',
    required: ['name', 'version', 'sha256', 'size', 'exports', 'signer', 'uploadedBy', 'uploadedAt', 'grants', 'limits'],
    properties: {
      name: str,
      version: str,
      sha256: str,
      size: int,
      exports: { type: 'array', items: str },
      signer: nullable(str),
      uploadedBy: nullable(str),
      uploadedAt: time,
      grants: { type: 'object', description: "wasm-host's grants: kv, sql, email, auth, repositories, http, …" },
      limits: { type: 'object', description: "wasm-host's limits over the host's defaults" },
    },
  },
  Module: {
    type: 'object',
    required: ['name', 'active', 'previous', 'canary', 'versions'],
    properties: {
      name: str,
      active: nullable(str),
      previous: nullable(str),
      canary: { $ref: '#/components/schemas/Canary' },
      versions: { type: 'array', items: { $ref: '#/components/schemas/Version' } },
    },
  },
  AuditRecord: {
    type: 'object',
    required: ['id', 'name', 'version', 'action', 'actor', 'detail', 'at'],
    properties: {
      id: int,
      name: str,
      version: nullable(str),
      action: { enum: ['upload', 'activate', 'rollback', 'canary', 'grants', 'limits', 'delete'] },
      actor: nullable(str),
      detail: { type: 'object' },
      at: time,
    },
  },
  Execution: {
    type: 'object',
    required: ['id', 'component', 'hash', 'export', 'mode', 'startedAt', 'durationMs', 'hostCalls', 'deniedCalls', 'outcome', 'error', 'memoryPages', 'fuelUsed', 'stdout', 'stderr', 'outputTruncated'],
    properties: {
      id: int,
      component: { type: 'string', description: "The registry's name@version" },
      hash: str,
      export: str,
      mode: { enum: ['in-thread', 'isolated'] },
      startedAt: time,
      durationMs: { type: 'number' },
      hostCalls: { type: 'object', additionalProperties: int },
      deniedCalls: int,
      outcome: { enum: ['ok', 'error'] },
      error: nullable({ type: 'object', required: ['code', 'message'], properties: { code: str, message: str } }),
      memoryPages: nullable(int),
      fuelUsed: nullable(int),
      stdout: str,
      stderr: str,
      outputTruncated: { type: 'boolean' },
    },
  },
  ExecutionPage: {
    type: 'object',
    required: ['items', 'cursor'],
    properties: {
      items: { type: 'array', items: { $ref: '#/components/schemas/Execution' } },
      cursor: nullable(str),
    },
  },
  RecordedError: nullable({
    type: 'object',
    required: ['code', 'message'],
    properties: { code: str, message: str, step: str, errors: { type: 'array' } },
  }),
  Step: {
    type: 'object',
    required: ['step', 'visit', 'key', 'state', 'via', 'input', 'output', 'error', 'attempts', 'startedAt', 'finishedAt', 'durationMs'],
    properties: {
      step: str,
      visit: int,
      key: str,
      state: { enum: ['waiting', 'queued', 'running', 'completed', 'failed', 'cancelled'] },
      via: nullable(str),
      input: json,
      output: json,
      error: { $ref: '#/components/schemas/RecordedError' },
      attempts: int,
      startedAt: nullable(time),
      finishedAt: nullable(time),
      durationMs: nullable({ type: 'number' }),
    },
  },
  Run: {
    type: 'object',
    required: ['id', 'workflow', 'state', 'input', 'context', 'error', 'createdAt', 'finishedAt', 'steps'],
    properties: {
      id: str,
      workflow: str,
      state: { enum: ['running', 'completed', 'failed', 'cancelled'] },
      input: json,
      context: json,
      error: { $ref: '#/components/schemas/RecordedError' },
      createdAt: time,
      finishedAt: nullable(time),
      steps: { type: 'array', items: { $ref: '#/components/schemas/Step' } },
    },
  },
  WorkflowDefinition: {
    type: 'object',
    required: ['steps'],
    description:
      "A workflow of component steps (@keel/workflows' definition without function steps): { start?, steps: { [id]: { component, export, args?, output?, kind?, next?, routes?, join?, maxVisits?, retry?, timeoutMs? } } }",
    properties: { start: str, steps: { type: 'object' } },
  },
  Principal: {
    type: 'object',
    required: ['userId', 'email', 'roles', 'permissions'],
    properties: { userId: str, email: str, roles: { type: 'array', items: str }, permissions: { type: 'array', items: str } },
  },
} as const;
