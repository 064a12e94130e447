import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEmailConformance, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createOutboxEmail, type OutboxEmail } from '../src/index.js';
import { deliveredFromParsed, parseEml } from './support/parsed-email.js';

const capabilities = { delivers: false, attachments: true, inlineImages: true, customHeaders: true, tags: true };
const root = await mkdtemp(join(tmpdir(), 'keel-outbox-'));
afterAll(() => rm(root, { recursive: true, force: true }));

// In memory: what the outbox kept, read back from the raw message it built.
const instances = new Map<string, OutboxEmail>();
describeEmailConformance({
  name: 'outbox (memory)',
  factory: ({ clock, id }) => {
    const email = createOutboxEmail({ clock });
    instances.set(id, email);
    return email;
  },
  capabilities,
  delivered: async ({ id }) =>
    Promise.all((instances.get(id)?.messages() ?? []).map(async (m) => deliveredFromParsed(await parseEml(m.eml)))),
});

// In a folder: the .eml files on disk are the provider's end.
describeEmailConformance({
  name: 'outbox (folder)',
  factory: ({ clock, id }) => createOutboxEmail({ clock, folder: join(root, id), keep: 0 }),
  capabilities,
  delivered: async ({ id }) => {
    const folder = join(root, id);
    const files = (await readdir(folder).catch(() => [] as string[])).sort();
    return Promise.all(files.map(async (f) => deliveredFromParsed(await parseEml(await readFile(join(folder, f))))));
  },
});

describe('createOutboxEmail', () => {
  const base = { from: 'App <app@example.com>', to: ['ada@example.com'], subject: 'Hi', text: 'Hello' };

  it('keeps the normalised message, the raw RFC 5322 message and the receipt', async () => {
    const email = createOutboxEmail();
    const receipt = expectOk(
      await email.send({ ...base, bcc: ['audit@example.com'], tags: ['welcome'], metadata: { userId: '42' } }),
    );
    const [entry] = email.messages();
    expect(entry?.receipt).toEqual(receipt);
    expect(receipt.provider).toBe('outbox');
    expect(entry?.message.to).toEqual([{ email: 'ada@example.com' }]);
    const raw = entry?.eml.toString() ?? '';
    expect(raw).toMatch(/^Bcc: audit@example\.com\r$/m);
    expect(raw).toMatch(/^X-Keel-Tags: \["welcome"\]\r$/m);
    expect(raw).toContain('\r\n\r\n');
    expect(raw).toContain(`Message-ID: <${receipt.messageId}>`);
    email.clear();
    expect(email.messages()).toEqual([]);
    await email.close();
  });

  it('keeps at most `keep` messages, oldest dropped', async () => {
    const email = createOutboxEmail({ keep: 2 });
    for (const subject of ['a', 'b', 'c']) expectOk(await email.send({ ...base, subject }));
    expect(email.messages().map((m) => m.message.subject)).toEqual(['b', 'c']);
    await email.close();
  });

  it('writes one .eml file per message and answers health with the folder', async () => {
    const folder = join(root, 'files');
    const email = createOutboxEmail({ folder });
    expectOk(await email.send(base));
    expectOk(await email.send({ ...base, subject: 'second' }));
    const files = (await readdir(folder)).sort();
    expect(files).toHaveLength(2);
    expect(files.every((f) => f.endsWith('.eml'))).toBe(true);
    expect(email.messages()[1]?.file).toBe(join(folder, files[1] as string));
    expect((await email.health()).detail).toMatchObject({ kept: 2, folder });
    await email.close();
  });

  it('returns the first receipt for a repeated idempotency key and keeps one message', async () => {
    const email = createOutboxEmail();
    const first = expectOk(await email.send({ ...base, idempotencyKey: 'welcome-42' }));
    const again = expectOk(await email.send({ ...base, subject: 'changed', idempotencyKey: 'welcome-42' }));
    expect(again).toEqual(first);
    expect(email.messages()).toHaveLength(1);
    await email.close();
  });

  it('refuses bad options naming the field', () => {
    expect(() => createOutboxEmail({ keep: -1 })).toThrow(/keep: expected an integer/);
    expect(() => createOutboxEmail({ folders: 'x' } as never)).toThrow(/did you mean 'folder'/);
  });
});
