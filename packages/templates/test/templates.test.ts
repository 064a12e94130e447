import { createEmailOutbox, createOutboxEmail } from '@keel/adapter-email';
import { err } from '@keel/core';
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { createPreviewHandler, createTemplates } from '../src/index.js';
import { freshTable, mjmlBody, openDatabase, testDatabases } from './support/databases.js';

const dbs = await testDatabases('store');
afterAll(() => dbs.cleanup());

const welcome = {
  subject: 'Welcome, {{user.name}}',
  mjml: mjmlBody(
    '<mj-text>Hello {{user.name}}, your workspace {{workspace}} is ready.</mj-text><mj-button href="{{url}}">Open it</mj-button>',
  ),
};

for (const db of dbs.databases) {
  describe(`templates (${db.name})`, () => {
    const sql = openDatabase(db.target);
    afterAll(() => sql.close());
    const fresh = async () => {
      const email = createOutboxEmail();
      const templates = createTemplates({ sql, email, table: freshTable() });
      expectOk(await templates.migrate());
      return { templates, email };
    };

    it('renders responsive HTML and a text part, the HTML escaped, versions counting up', async () => {
      const { templates } = await fresh();
      expect(expectOk(await templates.save('welcome', 'en', welcome))).toEqual({
        version: 1,
        variables: ['user.name', 'workspace', 'url'],
      });
      const vars = { user: { name: 'Ada <b>&' }, workspace: 'R&D "x"', url: 'https://app.test/w?a=1&b=2' };
      const r = expectOk(await templates.render('welcome', vars));
      expect(r).toMatchObject({ name: 'welcome', locale: 'en', version: 1, subject: 'Welcome, Ada <b>&' });
      expect(r.html).toContain('Hello Ada &lt;b&gt;&amp;, your workspace R&amp;D &quot;x&quot; is ready.');
      expect(r.html).toContain('href="https://app.test/w?a=1&amp;b=2"');
      expect(r.html).toContain('@media'); // mjml's responsive styles
      expect(r.text).toContain('Hello Ada <b>&, your workspace R&D "x" is ready.');
      expect(r.text).toContain('Open it (https://app.test/w?a=1&b=2)');

      expect(expectOk(await templates.save('welcome', 'en', { ...welcome, subject: 'Hi {{user.name}}' })).version).toBe(
        2,
      );
      expect(expectOk(await templates.render('welcome', vars)).subject).toBe('Hi Ada <b>&');
      expect(expectOk(await templates.render('welcome', vars, { version: 1 })).subject).toBe('Welcome, Ada <b>&');
      expect(expectOk(await templates.versions('welcome')).map((v) => v.version)).toEqual([2, 1]);
    });

    it('a missing variable is MISSING_VARIABLE naming it, never an empty string', async () => {
      const { templates } = await fresh();
      expectOk(await templates.save('welcome', 'en', welcome));
      const missing = expectErr(
        await templates.render('welcome', { user: { name: 'Ada' }, url: 'https://x.test' }),
        'MISSING_VARIABLE',
      );
      expect(missing).toMatchObject({ code: 'MISSING_VARIABLE', variable: 'workspace' });
      const notAValue = expectErr(
        await templates.render('welcome', { user: {}, workspace: 'w', url: 'u' }),
        'MISSING_VARIABLE',
      );
      expect(notAValue).toMatchObject({ code: 'MISSING_VARIABLE', variable: 'user.name' });
    });

    it('invalid MJML is INVALID_MJML at save (strict), with nothing stored', async () => {
      const { templates } = await fresh();
      const bad = expectErr(
        await templates.save('welcome', 'en', { subject: 's', mjml: mjmlBody('<mj-text colour="red">x</mj-text>') }),
        'INVALID_MJML',
      );
      expect(bad.details.join()).toContain('colour');
      expectErr(await templates.save('welcome', 'en', { subject: 's', mjml: '<mjml><mj-body' }), 'INVALID_MJML');
      expectErr(
        await templates.save('welcome', 'en', { subject: 'Hi {{ na-me }}', mjml: welcome.mjml }),
        'INVALID_TEMPLATE',
      );
      expect(expectOk(await templates.versions('welcome'))).toEqual([]);
    });

    it('per-locale variants: the locale, then its language, then the fallback', async () => {
      const { templates } = await fresh();
      expectOk(await templates.save('welcome', 'en', welcome));
      expectOk(await templates.save('welcome', 'fr', { ...welcome, subject: 'Bienvenue, {{user.name}}' }));
      expectOk(await templates.save('welcome', 'pt-BR', { ...welcome, subject: 'Bem-vindo, {{user.name}}' }));
      const vars = { user: { name: 'Ada' }, workspace: 'w', url: 'https://x.test' };
      const subject = async (locale: string) => {
        const r = expectOk(await templates.render('welcome', vars, { locale }));
        return `${r.locale}: ${r.subject}`;
      };
      expect(await subject('fr-CA')).toBe('fr: Bienvenue, Ada');
      expect(await subject('pt-BR')).toBe('pt-BR: Bem-vindo, Ada');
      expect(await subject('pt')).toBe('en: Welcome, Ada');
      expect(await subject('de')).toBe('en: Welcome, Ada');
      expectErr(await templates.render('nope', vars), 'NOT_FOUND');
      expectErr(await templates.render('welcome', vars, { locale: '../etc' }), 'INVALID_TEMPLATE');
    });

    it('send through the transactional outbox: stored with the business change, sent once after commit', async () => {
      const { templates, email } = await fresh();
      expectOk(await templates.save('welcome', 'en', welcome));
      const outbox = createEmailOutbox({ sql, email, table: freshTable('outbox') });
      expectOk(await outbox.migrate());
      const vars = { user: { name: 'Ada' }, workspace: 'w', url: 'https://x.test' };
      const envelope = { from: 'app@example.com', to: ['ada@example.com'] };
      const rolledBack = await sql.transaction(async (tx) => {
        const sent = await templates.send('welcome', vars, envelope, { outbox, tx });
        if (sent.isErr()) return err(sent.error);
        return err(new Error('the business change failed'));
      });
      expect(rolledBack.isErr()).toBe(true);
      const committed = expectOk(
        await sql.transaction((tx) =>
          templates.send('welcome', vars, { ...envelope, idempotencyKey: 'welcome:ada' }, { outbox, tx }),
        ),
      );
      expect(committed.outboxId).toBeTypeOf('string');
      expect(email.messages()).toHaveLength(0); // nothing leaves before the outbox's pass
      expect(expectOk(await outbox.dispatchOnce()).sent).toBe(1);
      expect(expectOk(await outbox.dispatchOnce()).sent).toBe(0);
      expect(email.messages().map((m) => m.message.subject)).toEqual(['Welcome, Ada']);
      expect(email.messages()[0]?.message.html).toContain('Hello Ada');
      expect(email.messages()[0]?.message.text).toContain('Hello Ada');
    });

    it('the preview handler renders a version with its samples; a missing sample is 422 naming it', async () => {
      const { templates } = await fresh();
      expectOk(await templates.save('welcome', 'en', welcome));
      expectOk(await templates.save('welcome', 'en', { ...welcome, subject: 'v2 {{user.name}}' }));
      const samples = { welcome: { user: { name: '<Ada>' }, workspace: 'w', url: 'https://x.test' }, partial: {} };
      const preview = createPreviewHandler(templates, { samples, basePath: '/preview' });
      const server = createServer(async (req, res) => {
        if (!(await preview(req, res))) res.writeHead(418).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      const get = async (path: string) => {
        const res = await fetch(`http://127.0.0.1:${port}${path}`);
        return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
      };
      try {
        const html = await get('/preview/welcome');
        expect(html).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
        expect(html.body).toContain('Hello &lt;Ada&gt;');
        expect((await get('/preview/welcome?part=subject&version=1')).body).toBe('Welcome, <Ada>');
        expect((await get('/preview/welcome?part=subject')).body).toBe('v2 <Ada>');
        expectOk(
          await templates.save('partial', 'en', { subject: 'Hi {{name}}', mjml: mjmlBody('<mj-text>x</mj-text>') }),
        );
        const missing = await get('/preview/partial');
        expect(missing.status).toBe(422);
        expect(JSON.parse(missing.body)).toMatchObject({
          code: 'MISSING_VARIABLE',
          message: 'missing variable "name"',
        });
        expect((await get('/preview/nope')).status).toBe(404);
        expect((await get('/preview/welcome?part=body')).status).toBe(400);
        expect((await get('/elsewhere')).status).toBe(418);
      } finally {
        server.close();
      }
    });

    it('send straight through the email contract; a missing variable sends nothing', async () => {
      const { templates, email } = await fresh();
      expectOk(await templates.save('welcome', 'en', welcome));
      const envelope = { from: 'app@example.com', to: ['ada@example.com'] };
      const sent = expectOk(
        await templates.send('welcome', { user: { name: 'Ada' }, workspace: 'w', url: 'u' }, envelope),
      );
      expect(sent.receipt?.accepted).toEqual(['ada@example.com']);
      expectErr(await templates.send('welcome', { user: { name: 'Ada' } }, envelope), 'MISSING_VARIABLE');
      expect(email.messages()).toHaveLength(1);
    });
  });
}
