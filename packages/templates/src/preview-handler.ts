import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TemplateVariables } from './placeholders.js';
import type { Templates } from './templates-types.js';

/** What the preview renders each template with. */
export interface PreviewOptions {
  /** Sample variables by template name; a template without samples renders with none (and shows what is missing). */
  readonly samples: Readonly<Record<string, TemplateVariables>>;
  /** The path the handler is mounted at. @default '/templates' */
  readonly basePath?: string;
}

/**
 * A `node:http` handler that renders a template version with sample variables, for the people who
 * write them: `GET <basePath>/<name>?locale=fr&version=3&part=html|text|subject`. The HTML part is
 * served as HTML (what a mail client shows), the others as plain text. A missing variable or an
 * unknown template answers 422 or 404 with the error's code and message. Mount it behind the
 * app's own access check: it shows any template with the samples given. Returns `false` for a
 * path outside `basePath`, so the app's router can go on.
 *
 * @example
 * const preview = createPreviewHandler(templates, { samples: { welcome: { name: 'Ada' } } });
 * createServer(async (req, res) => { if (!(await preview(req, res))) notFound(res); });
 */
export function createPreviewHandler(templates: Templates, options: PreviewOptions) {
  const base = (options.basePath ?? '/templates').replace(/\/$/, '');
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://preview.invalid');
    if (!url.pathname.startsWith(`${base}/`)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      reply(res, 405, 'text/plain', 'method not allowed\n');
      return true;
    }
    const name = safeDecode(url.pathname.slice(base.length + 1));
    const locale = url.searchParams.get('locale') ?? undefined;
    const versionParam = url.searchParams.get('version');
    const part = url.searchParams.get('part') ?? 'html';
    const version = versionParam === null ? undefined : Number(versionParam);
    if (!['html', 'text', 'subject'].includes(part) || (version !== undefined && !Number.isSafeInteger(version))) {
      reply(res, 400, 'text/plain', 'part is html, text or subject; version is an integer\n');
      return true;
    }
    const samples = Object.hasOwn(options.samples, name) ? options.samples[name] : undefined;
    const rendered = await templates.render(name, samples ?? {}, {
      ...(locale === undefined ? {} : { locale }),
      ...(version === undefined ? {} : { version }),
    });
    if (rendered.isErr()) {
      const status = rendered.error.code === 'NOT_FOUND' ? 404 : rendered.error.code === 'STORE' ? 500 : 422;
      reply(
        res,
        status,
        'application/json',
        JSON.stringify({ code: rendered.error.code, message: rendered.error.message }),
      );
      return true;
    }
    const r = rendered.value;
    res.setHeader('x-template-version', `${r.name}/${r.locale}/${r.version}`);
    if (part === 'html') reply(res, 200, 'text/html; charset=utf-8', r.html);
    else reply(res, 200, 'text/plain; charset=utf-8', part === 'text' ? r.text : r.subject);
    return true;
  };
}

function reply(res: ServerResponse, status: number, type: string, body: string): void {
  // The rendered HTML runs no script of its own: a preview is not a way into the app's origin.
  res.writeHead(status, { 'content-type': type, 'content-security-policy': "script-src 'none'" });
  res.end(body);
}

/** A malformed escape (`%E0%A4%A`) is a name no template has, not an exception. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
