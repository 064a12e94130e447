import type { ComponentRegistry } from '@keel/component-registry';
import { err } from '@keel/core';
import { failure } from '../console-errors.js';
import { readJson } from '../http-io.js';
import { intParam, moduleName, moduleVersion } from '../names.js';
import { ref } from '../openapi.js';
import type { Route, RouteContext } from '../router.js';
import { readUpload, type UploadForm } from '../upload-body.js';
import { auditView, moduleView, summaryView, versionView } from '../views.js';
import { all, domain, json, objectBody } from './route-kit.js';

export interface ModuleRouteOptions {
  readonly registry: ComponentRegistry;
  readonly maxUploadBytes: number;
  readonly maxJsonBytes: number;
}

const tags = ['modules'];
const read = 'components:read';
const write = 'components:write';
const grant = 'components:grant';

/** The module routes: list, upload (form or raw), get, versions, download, grants, limits, activate, rollback, delete, history. */
export function moduleRoutes(o: ModuleRouteOptions): Route[] {
  const { registry } = o;
  const nameAndVersion = (ctx: RouteContext) => all(moduleName(ctx.params.name), moduleVersion(ctx.params.version));

  const store = async (ctx: RouteContext, name: string, version: string, form: UploadForm) => {
    const stored = await domain(
      registry.upload({
        name,
        version,
        bytes: form.bytes,
        ...(form.fields.signature ? { signature: form.fields.signature } : {}),
        ...(form.fields.signer ? { signer: form.fields.signer } : {}),
        ...(ctx.actor ? { actor: ctx.actor } : {}),
      }),
    );
    return stored.andThen((v) => json(versionView(v), 201));
  };

  const uploadErrors = [400, 409, 413, 415];
  return [
    {
      method: 'GET',
      path: '/api/modules',
      permission: read,
      operation: {
        operationId: 'listModules',
        summary: 'Modules by name, paged',
        tags,
        query: [
          { name: 'search', description: 'A part of the name', schema: { type: 'string', maxLength: 100 } },
          { name: 'cursor', description: "The previous page's cursor", schema: { type: 'string' } },
          { name: 'limit', description: 'At most this many (1–100, default 50)', schema: { type: 'integer' } },
        ],
        success: { status: 200, description: 'A page of modules', json: ref('ModulePage') },
        errors: [400],
      },
      async handle(ctx) {
        const limit = intParam(ctx.query, 'limit', 1, 100, 50);
        if (limit.isErr()) return err(limit.error);
        const search = ctx.query.get('search') ?? undefined;
        if (search !== undefined && search.length > 100)
          return err(failure('BAD_REQUEST', "the query parameter 'search' is longer than 100 characters"));
        const cursor = ctx.query.get('cursor') ?? undefined;
        const page = await domain(
          registry.list({
            ...(search ? { search } : {}),
            ...(cursor ? { cursor } : {}),
            ...(limit.value ? { limit: limit.value } : {}),
          }),
        );
        return page.andThen((p) => json({ items: p.items.map(summaryView), cursor: p.cursor ?? null }));
      },
    },
    {
      method: 'POST',
      path: '/api/modules',
      permission: write,
      operation: {
        operationId: 'uploadModuleForm',
        summary: 'Upload a version as a form: fields name, version, signature?, signer? and the file part module',
        tags,
        body: {
          'multipart/form-data': {
            type: 'object',
            required: ['name', 'version', 'module'],
            properties: {
              name: { type: 'string' },
              version: { type: 'string' },
              signature: { type: 'string' },
              signer: { type: 'string' },
              module: { type: 'string', contentMediaType: 'application/wasm' },
            },
          },
        },
        success: { status: 201, description: 'The stored version (not active yet)', json: ref('Version') },
        errors: uploadErrors,
      },
      async handle(ctx) {
        const form = await readUpload(ctx.req, o.maxUploadBytes, 'multipart/form-data');
        if (form.isErr()) return err(form.error);
        const id = all(moduleName(form.value.fields.name), moduleVersion(form.value.fields.version));
        if (id.isErr()) return err(id.error);
        return store(ctx, id.value[0], id.value[1], form.value);
      },
    },
    {
      method: 'PUT',
      path: '/api/modules/{name}/versions/{version}',
      permission: write,
      operation: {
        operationId: 'uploadModule',
        summary: 'Upload a version as the raw body (signature in Keel-Signature, its key in Keel-Signer)',
        tags,
        body: { 'application/wasm': { type: 'string', contentMediaType: 'application/wasm' } },
        success: { status: 201, description: 'The stored version (not active yet)', json: ref('Version') },
        errors: uploadErrors,
      },
      async handle(ctx) {
        // The identity first: a bad name is refused before the body is read.
        const id = nameAndVersion(ctx);
        if (id.isErr()) return err(id.error);
        const form = await readUpload(ctx.req, o.maxUploadBytes, 'application/wasm');
        if (form.isErr()) return err(form.error);
        return store(ctx, id.value[0], id.value[1], form.value);
      },
    },
    {
      method: 'GET',
      path: '/api/modules/{name}',
      permission: read,
      operation: {
        operationId: 'getModule',
        summary: 'A module: its routing and every version with its grants and limits',
        tags,
        success: { status: 200, description: 'The module', json: ref('Module') },
        errors: [400, 404],
      },
      async handle(ctx) {
        const name = moduleName(ctx.params.name);
        if (name.isErr()) return err(name.error);
        return (await domain(registry.get(name.value))).andThen((m) => json(moduleView(m)));
      },
    },
    {
      method: 'GET',
      path: '/api/modules/{name}/versions/{version}',
      permission: read,
      operation: {
        operationId: 'getVersion',
        summary: 'One version with its grants and limits',
        tags,
        success: { status: 200, description: 'The version', json: ref('Version') },
        errors: [400, 404],
      },
      async handle(ctx) {
        const id = nameAndVersion(ctx);
        if (id.isErr()) return err(id.error);
        return (await domain(registry.version(...id.value))).andThen((v) => json(versionView(v)));
      },
    },
    {
      method: 'GET',
      path: '/api/modules/{name}/versions/{version}/wasm',
      permission: read,
      operation: {
        operationId: 'downloadVersion',
        summary: "A version's bytes",
        tags,
        success: { status: 200, description: 'The component', media: 'application/wasm' },
        errors: [400, 404],
      },
      async handle(ctx) {
        const id = nameAndVersion(ctx);
        if (id.isErr()) return err(id.error);
        const bytes = await domain(registry.download(...id.value));
        const file = `${id.value[0].replaceAll('/', '_')}-${id.value[1]}.wasm`;
        return bytes.map((b) => ({
          bytes: b,
          contentType: 'application/wasm',
          headers: { 'Content-Disposition': `attachment; filename="${file}"` },
        }));
      },
    },
    policyRoute('grants', o),
    policyRoute('limits', o),
    {
      method: 'POST',
      path: '/api/modules/{name}/activate',
      permission: write,
      operation: {
        operationId: 'activateVersion',
        summary: 'Route every call to a version (it is loaded first; one that cannot be served changes nothing)',
        tags,
        body: {
          'application/json': { type: 'object', required: ['version'], properties: { version: { type: 'string' } } },
        },
        success: { status: 200, description: 'The module after the change', json: ref('Module') },
        errors: [400, 404, 409, 413, 415],
      },
      async handle(ctx) {
        const name = moduleName(ctx.params.name);
        if (name.isErr()) return err(name.error);
        const body = (await readJson(ctx.req, o.maxJsonBytes)).andThen((b) => objectBody(b, '{ "version": "…" }'));
        if (body.isErr()) return err(body.error);
        const version = moduleVersion(typeof body.value.version === 'string' ? body.value.version : undefined);
        if (version.isErr()) return err(version.error);
        const done = await domain(registry.activate(name.value, version.value, actorOf(ctx)));
        if (done.isErr()) return err(done.error);
        return (await domain(registry.get(name.value))).andThen((m) => json(moduleView(m)));
      },
    },
    {
      method: 'POST',
      path: '/api/modules/{name}/rollback',
      permission: write,
      operation: {
        operationId: 'rollbackModule',
        summary: 'Activate the version that was active before',
        tags,
        success: { status: 200, description: 'The module after the change', json: ref('Module') },
        errors: [400, 404, 409],
      },
      async handle(ctx) {
        const name = moduleName(ctx.params.name);
        if (name.isErr()) return err(name.error);
        const done = await domain(registry.rollback(name.value, actorOf(ctx)));
        if (done.isErr()) return err(done.error);
        return (await domain(registry.get(name.value))).andThen((m) => json(moduleView(m)));
      },
    },
    {
      method: 'DELETE',
      path: '/api/modules/{name}/versions/{version}',
      permission: write,
      operation: {
        operationId: 'deleteVersion',
        summary: 'Delete a version that is neither active nor a canary (409 IN_USE otherwise)',
        tags,
        success: { status: 204, description: 'Deleted' },
        errors: [400, 404, 409],
      },
      async handle(ctx) {
        const id = nameAndVersion(ctx);
        if (id.isErr()) return err(id.error);
        return (await domain(registry.delete(...id.value, actorOf(ctx)))).map(() => ({ status: 204 }));
      },
    },
    {
      method: 'GET',
      path: '/api/modules/{name}/history',
      permission: read,
      operation: {
        operationId: 'moduleHistory',
        summary: 'The audit trail of a module, newest first',
        tags,
        query: [{ name: 'limit', description: 'At most this many (1–1000, default 100)', schema: { type: 'integer' } }],
        success: {
          status: 200,
          description: 'Audit records',
          json: { type: 'array', items: ref('AuditRecord') },
        },
        errors: [400],
      },
      async handle(ctx) {
        const name = moduleName(ctx.params.name);
        const limit = intParam(ctx.query, 'limit', 1, 1000, 100);
        const checked = all(name, limit);
        if (checked.isErr()) return err(checked.error);
        const records = await domain(registry.history(checked.value[0], { limit: checked.value[1] ?? 100 }));
        return records.andThen((r) => json(r.map(auditView)));
      },
    },
  ];
}

function policyRoute(kind: 'grants' | 'limits', o: ModuleRouteOptions): Route {
  return {
    method: 'PUT',
    path: `/api/modules/{name}/versions/{version}/${kind}`,
    permission: grant,
    operation: {
      operationId: kind === 'grants' ? 'setGrants' : 'setLimits',
      summary:
        kind === 'grants'
          ? "Replace a version's grants (wasm-host's; an unknown interface or field is 400 naming it)"
          : "Replace a version's limits (wasm-host's)",
      tags,
      body: { 'application/json': { type: 'object' } },
      success: { status: 200, description: 'The version with the new value', json: ref('Version') },
      errors: [400, 404, 413, 415],
    },
    async handle(ctx) {
      const id = all(moduleName(ctx.params.name), moduleVersion(ctx.params.version));
      if (id.isErr()) return err(id.error);
      const body = (await readJson(ctx.req, o.maxJsonBytes)).andThen((b) => objectBody(b, kind));
      if (body.isErr()) return err(body.error);
      const [name, version] = id.value;
      const set =
        kind === 'grants'
          ? o.registry.setGrants(name, version, body.value, actorOf(ctx))
          : o.registry.setLimits(name, version, body.value, actorOf(ctx));
      const done = await domain(set);
      if (done.isErr()) return err(done.error);
      return (await domain(o.registry.version(name, version))).andThen((v) => json(versionView(v)));
    },
  };
}

function actorOf(ctx: RouteContext) {
  return ctx.actor ? { actor: ctx.actor } : {};
}
