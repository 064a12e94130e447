import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteSql } from '@keel/adapter-sqlite';
import { createTemplates } from '@keel/templates';
import mjml2html from 'mjml';
import { compare } from './harness.js';

const mjml = `<mjml><mj-body><mj-section><mj-column>
  <mj-text font-size="20px">Welcome, {{name}}</mj-text>
  <mj-text>Your workspace "{{workspace}}" is ready. Add your first task!</mj-text>
  <mj-button href="{{url}}">Open it</mj-button>
</mj-column></mj-section></mj-body></mjml>`;

/**
 * Rendering one email template per call: mjml compiling the MJML each time (what an app without
 * a cache does; the floor of @keel/templates' first render of a version), @keel/templates' render
 * (the newest version read from SQLite, its compiled form from the cache, variables escaped in),
 * and the same with the version pinned.
 */
export async function run(): Promise<void> {
  const [one, five, fifteen] = loadavg().map((n) => n.toFixed(2));
  console.log(`\n## @keel/templates — load average ${one} / ${five} / ${fifteen} (1/5/15 min)`);
  const dir = mkdtempSync(join(tmpdir(), 'keel-bench-templates-'));
  const sql = createSqliteSql({ filename: join(dir, 'templates.sqlite') });
  const templates = createTemplates({ sql });
  (await templates.migrate())._unsafeUnwrap();
  (await templates.save('welcome', 'en', { subject: 'Welcome, {{name}}', mjml }))._unsafeUnwrap();
  let n = 0;
  const vars = () => ({ name: `Ada <${n++}>`, workspace: 'R&D', url: 'https://app.example/w/1' });
  await compare(
    'Render one email template (MJML → HTML + text)',
    [
      { name: 'mjml compile each time (mjml2html, strict)', fn: () => mjml2html(mjml, { validationLevel: 'strict' }) },
      { name: '@keel/templates render (newest version, cached)', fn: () => templates.render('welcome', vars()) },
      {
        name: '@keel/templates render (version pinned, cached)',
        fn: () => templates.render('welcome', vars(), { version: 1 }),
      },
    ],
    { rounds: 5 },
  );
  await sql.close();
  rmSync(dir, { recursive: true, force: true });
}
