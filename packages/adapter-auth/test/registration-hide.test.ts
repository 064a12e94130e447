// Issue 13, item 12: `register` answers EMAIL_TAKEN for an existing address, which tells anyone
// whether an address has an account. `registration: { enumeration: 'hide' }` answers an existing
// address as a new one, and tells the owner by email instead.
import { KeelOptionsError } from '@keel/core/adapter';
import { expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuthTokenMessage } from '../src/index.js';
import { createFixture, disposeFixtures } from './support/fixture.js';

afterAll(disposeFixtures);

const OWNER = 'owner passphrase 2024';
const ATTACKER = 'attacker passphrase 99';
const hide = { registration: { enumeration: 'hide' } } as const;

/** What a caller can compare between two answers: everything but the random id and the time. */
const shape = (user: { id: string; createdAt: number }) => ({ ...user, id: typeof user.id, createdAt: 'number' });

describe("registration.enumeration: 'hide'", () => {
  it('answers an existing email as a new one, and emails its owner a reset link instead', async () => {
    const delivered: AuthTokenMessage[] = [];
    const f = await createFixture({ ...hide, deliverToken: (m) => void delivered.push(m) });
    const owner = expectOk(await f.auth.register({ email: 'ada@example.com', password: OWNER }));
    expectOk(await f.auth.verifyEmail(await f.outbox.tokenFor('ada@example.com', /confirm/i)));

    const taken = expectOk(await f.auth.register({ email: 'ada@example.com', password: ATTACKER }));
    const fresh = expectOk(await f.auth.register({ email: 'new@example.com', password: ATTACKER }));
    expect(shape(taken)).toEqual({ ...shape(fresh), email: 'ada@example.com' });
    expect(taken.id).not.toBe(owner.id);
    expect(expectOk(await f.auth.getUser(taken.id))).toBeUndefined();

    // The owner learns of it (in the background), with a working reset link; the account is otherwise untouched.
    const reset = await f.outbox.tokenFor('ada@example.com', /tried to sign up/i);
    const notice = f.outbox.sent().find((m) => /tried to sign up/i.test(m.subject));
    expect(notice).toMatchObject({ to: [{ email: 'ada@example.com' }], tags: ['auth-account-exists'] });
    expect(notice?.text).toMatch(/already has one/);
    expect(delivered.map((m) => [m.kind, m.email])).toContainEqual(['account-exists', 'ada@example.com']);
    expectOk(await f.auth.login({ email: 'ada@example.com', password: OWNER }));
    expectOk(await f.auth.completePasswordReset(reset, 'owner passphrase 2025'));
    expectOk(await f.auth.login({ email: 'ada@example.com', password: 'owner passphrase 2025' }));
  });

  it('does not let signing in after registering tell a new address from a taken one', async () => {
    const f = await createFixture(hide);
    expectOk(await f.auth.register({ email: 'ada@example.com', password: OWNER }));
    expectOk(await f.auth.verifyEmail(await f.outbox.tokenFor('ada@example.com', /confirm/i)));
    expectOk(await f.auth.register({ email: 'ada@example.com', password: ATTACKER }));
    expectOk(await f.auth.register({ email: 'new@example.com', password: ATTACKER }));

    const taken = expectErr(
      await f.auth.login({ email: 'ada@example.com', password: ATTACKER }),
      'INVALID_CREDENTIALS',
    );
    const fresh = expectErr(
      await f.auth.login({ email: 'new@example.com', password: ATTACKER }),
      'INVALID_CREDENTIALS',
    );
    const unknown = expectErr(
      await f.auth.login({ email: 'nobody@example.com', password: ATTACKER }),
      'INVALID_CREDENTIALS',
    );
    expect(new Set([taken.message, fresh.message, unknown.message]).size).toBe(1);
    // The new account signs in once its address is confirmed.
    expectOk(await f.auth.verifyEmail(await f.outbox.tokenFor('new@example.com', /confirm/i)));
    expectOk(await f.auth.login({ email: 'new@example.com', password: ATTACKER }));
  });

  it('stops emailing the owner past maxEmailsPerAccount, still answering as for a new address', async () => {
    const f = await createFixture({ ...hide, bruteForce: { maxEmailsPerAccount: 2 } });
    expectOk(await f.auth.register({ email: 'ada@example.com', password: OWNER }));
    for (let i = 0; i < 5; i++) expectOk(await f.auth.register({ email: 'ada@example.com', password: ATTACKER }));
    await f.auth.close();
    expect(f.outbox.sent().filter((m) => /tried to sign up/i.test(m.subject))).toHaveLength(2);
  });

  it("keeps EMAIL_TAKEN by default ('reveal'), and needs a way to reach the owner to hide", async () => {
    const f = await createFixture();
    expectOk(await f.auth.register({ email: 'ada@example.com', password: OWNER }));
    expectErr(await f.auth.register({ email: 'Ada@Example.com', password: ATTACKER }), 'EMAIL_TAKEN');
    await expect(createFixture({ ...hide, withEmail: false })).rejects.toThrow(KeelOptionsError);
    await expect(createFixture({ ...hide, withEmail: false })).rejects.toThrow(/registration\.enumeration/);
    await expect(createFixture({ registration: { enumeration: 'conceal' as 'hide' } })).rejects.toThrow(
      /registration\.enumeration.*'reveal', 'hide'/,
    );
  });
});
