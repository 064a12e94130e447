import type { Sql } from '@keel/core';
import { createTemplates, type Templates, type TemplateSource } from '@keel/templates';
import { unwrap } from './http-errors.js';

const body = (inner: string) =>
  `<mjml>
  <mj-body background-color="#f4f4f5">
    <mj-section background-color="#ffffff" padding="24px">
      <mj-column>
        <mj-text font-size="20px" font-weight="bold">Keel SaaS</mj-text>
        ${inner}
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;

/**
 * The app's mail templates (MJML; variables escaped in the HTML). Each process saves a template
 * whose source changed as its next version at start-up, so a deploy with new wording makes a new
 * version and the old ones stay for the preview.
 */
export const appTemplateSources: Readonly<Record<string, TemplateSource>> = {
  welcome: {
    subject: 'Welcome to Keel SaaS',
    mjml: body(`<mj-text>Hello {{email}},</mj-text>
        <mj-text>your workspace "{{workspace}}" is ready. Add your first task!</mj-text>`),
  },
  'task-completed': {
    subject: 'Task completed: {{title}}',
    mjml: body('<mj-text>"{{title}}" (task {{taskId}} of workspace {{workspaceId}}) is done.</mj-text>'),
  },
  'task-completed.digest': {
    subject: '{{count}} tasks were completed today',
    mjml: body('<mj-text>{{count}} tasks were completed today: {{titles}}.</mj-text>'),
  },
};

/** Sample variables for the preview handler, by template. */
export const appTemplateSamples = {
  welcome: { email: 'ada@example.com', workspace: 'Acme' },
  'task-completed': { title: 'Ship it', taskId: 7, workspaceId: 1 },
  'task-completed.digest': { count: 3, titles: 'Write, Test, Ship' },
};

/**
 * The app's templates on its database, migrated, with each source above saved when its newest
 * stored version differs (two processes starting together may both save one: a version more).
 *
 * @example
 * const templates = await createAppTemplates(keel.sql);
 * const message = await unwrap(templates.message('welcome', { email, workspace }, { from, to: [email] }));
 */
export async function createAppTemplates(sql: Sql): Promise<Templates> {
  const templates = createTemplates({ sql });
  await unwrap(templates.migrate());
  for (const [name, source] of Object.entries(appTemplateSources)) {
    const [newest] = await unwrap(templates.versions(name));
    if (newest && newest.subject === source.subject && newest.mjml === source.mjml) continue;
    await unwrap(templates.save(name, 'en', source));
  }
  return templates;
}
