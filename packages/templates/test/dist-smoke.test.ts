import { describeBuiltPackage } from '@keel/testing';

// The built package the way an app gets it: plain `node`, no source condition, both entries.
const script = `
  import { createSqliteSql } from '@keel/adapter-sqlite';
  import { createTemplates, TemplatesError } from '@keel/templates';
  import { notificationJobs } from '@keel/templates/notifications';
  const sql = createSqliteSql({ filename: ':memory:' });
  const templates = createTemplates({ sql });
  (await templates.migrate())._unsafeUnwrap();
  const mjml = '<mjml><mj-body><mj-section><mj-column><mj-text>Hi {{name}}</mj-text></mj-column></mj-section></mj-body></mjml>';
  (await templates.save('hi', 'en', { subject: 'Hi {{name}}', mjml }))._unsafeUnwrap();
  const rendered = (await templates.render('hi', { name: 'Ada & co' }))._unsafeUnwrap();
  const missing = (await templates.render('hi', {}))._unsafeUnwrapErr();
  await sql.close();
  console.log(JSON.stringify({
    escaped: rendered.html.includes('Hi Ada &amp; co'),
    code: missing.code,
    typed: missing instanceof TemplatesError,
    job: Object.keys(notificationJobs)[0],
  }));`;

describeBuiltPackage({
  folder: new URL('..', import.meta.url),
  script,
  expected: { escaped: true, code: 'MISSING_VARIABLE', typed: true, job: 'keel.notifications.digest' },
});
