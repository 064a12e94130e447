import { okAsync, rowsToObjects, type Sql, type SqlValue } from '@keel/core';
import { AuthError, type AuthUser } from '@keel/core';
import { isUniqueViolation, must } from './store-results.js';

/** A user as stored, with the credential the contract never returns. */
export interface StoredUser extends AuthUser {
  readonly passwordHash: string | undefined;
}

export type OneTimeTokenKind = 'password-reset' | 'email-verification';

export type UserStore = ReturnType<typeof createUserStore>;

/** Users, OIDC identities and one-time tokens in sql. */
export function createUserStore(sql: Sql, prefix: string) {
  const users = `${prefix}users`;
  const identities = `${prefix}identities`;
  const tokens = `${prefix}tokens`;
  const columns = 'id, email, email_verified, password_hash, roles, created_at';

  async function one(statement: string, params: readonly SqlValue[]): Promise<StoredUser | undefined> {
    const [row] = rowsToObjects(await must(sql.query(statement, params), 'reading a user'));
    return row ? toUser(row) : undefined;
  }

  async function update(statement: string, params: readonly SqlValue[], what: string): Promise<boolean> {
    return (await must(sql.execute(statement, params), what)).rowsAffected > 0;
  }

  return {
    byEmail: (email: string) => one(`SELECT ${columns} FROM ${users} WHERE email = ?`, [email]),
    byId: (id: string) => one(`SELECT ${columns} FROM ${users} WHERE id = ?`, [id]),

    async byIdentity(provider: string, subject: string): Promise<StoredUser | undefined> {
      return one(
        `SELECT ${columns
          .split(', ')
          .map((c) => `u.${c}`)
          .join(', ')} FROM ${identities} i JOIN ${users} u ON u.id = i.user_id WHERE i.provider = ? AND i.subject = ?`,
        [provider, subject],
      );
    },

    /** Inserts a user, and an identity with it when given; `EMAIL_TAKEN` when the email exists. */
    async insert(user: StoredUser, identity?: { provider: string; subject: string }): Promise<void> {
      const result = await sql.transaction((tx) =>
        tx
          .execute(
            `INSERT INTO ${users} (id, email, email_verified, password_hash, roles, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
            [
              user.id,
              user.email,
              user.emailVerified ? 1 : 0,
              user.passwordHash ?? null,
              JSON.stringify(user.roles),
              user.createdAt,
              user.createdAt,
            ],
          )
          .andThen((inserted) =>
            identity
              ? tx.execute(`INSERT INTO ${identities} (provider, subject, user_id, created_at) VALUES (?, ?, ?, ?)`, [
                  identity.provider,
                  identity.subject,
                  user.id,
                  user.createdAt,
                ])
              : okAsync(inserted),
          ),
      );
      if (result.isErr() && isUniqueViolation(result.error)) {
        throw new AuthError({ code: 'EMAIL_TAKEN', message: 'an account with this email already exists' });
      }
      await must(Promise.resolve(result), 'creating a user');
    },

    async link(provider: string, subject: string, userId: string, now: number): Promise<void> {
      await must(
        sql.execute(`INSERT INTO ${identities} (provider, subject, user_id, created_at) VALUES (?, ?, ?, ?)`, [
          provider,
          subject,
          userId,
          now,
        ]),
        'linking an identity',
      );
    },

    setPasswordHash: (id: string, hash: string, now: number) =>
      update(
        `UPDATE ${users} SET password_hash = ?, updated_at = ? WHERE id = ?`,
        [hash, now, id],
        'storing a password',
      ),
    /** Removes the password (an account taken over by a provider-verified owner, see `completeOidcLogin`). */
    clearPasswordHash: (id: string, now: number) =>
      update(`UPDATE ${users} SET password_hash = NULL, updated_at = ? WHERE id = ?`, [now, id], 'removing a password'),
    setRoles: (id: string, roles: readonly string[], now: number) =>
      update(
        `UPDATE ${users} SET roles = ?, updated_at = ? WHERE id = ?`,
        [JSON.stringify(roles), now, id],
        'storing roles',
      ),
    setEmailVerified: (id: string, now: number) =>
      update(`UPDATE ${users} SET email_verified = 1, updated_at = ? WHERE id = ?`, [now, id], 'verifying an email'),

    /** Stores a token's hash, replacing the user's earlier tokens of the same kind. */
    async addToken(
      hash: string,
      kind: OneTimeTokenKind,
      userId: string,
      expiresAt: number,
      now: number,
    ): Promise<void> {
      const result = await sql.transaction((tx) =>
        tx
          .execute(`DELETE FROM ${tokens} WHERE user_id = ? AND kind = ?`, [userId, kind])
          .andThen(() =>
            tx.execute(`INSERT INTO ${tokens} (hash, kind, user_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?)`, [
              hash,
              kind,
              userId,
              expiresAt,
              now,
            ]),
          ),
      );
      await must(Promise.resolve(result), 'storing a token');
    },

    async findToken(hash: string, kind: OneTimeTokenKind): Promise<{ userId: string; expiresAt: number } | undefined> {
      const result = await must(
        sql.query(`SELECT user_id, expires_at FROM ${tokens} WHERE hash = ? AND kind = ?`, [hash, kind]),
        'reading a token',
      );
      const row = result.rows[0];
      return row ? { userId: String(row[0]), expiresAt: Number(row[1]) } : undefined;
    },

    /** Deletes a token; `true` for exactly one caller, however many race. */
    consumeToken: (hash: string, kind: OneTimeTokenKind) =>
      update(`DELETE FROM ${tokens} WHERE hash = ? AND kind = ?`, [hash, kind], 'spending a token'),
    deleteTokens: (userId: string, kind: OneTimeTokenKind) =>
      update(`DELETE FROM ${tokens} WHERE user_id = ? AND kind = ?`, [userId, kind], 'deleting tokens'),
  };
}

function toUser(row: Record<string, SqlValue>): StoredUser {
  let roles: string[] = [];
  try {
    const parsed: unknown = JSON.parse(String(row.roles ?? '[]'));
    if (Array.isArray(parsed)) roles = parsed.filter((r): r is string => typeof r === 'string');
  } catch {
    // A hand-edited row with broken JSON grants no roles.
  }
  return {
    id: String(row.id),
    email: String(row.email),
    emailVerified: Number(row.email_verified) === 1,
    roles,
    createdAt: Number(row.created_at),
    passwordHash: typeof row.password_hash === 'string' ? row.password_hash : undefined,
  };
}
