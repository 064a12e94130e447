/** Role name → the permission patterns it grants (`'posts:*'`, `'comments:read'`, `'*'`). */
export type RoleMap = Readonly<Record<string, readonly string[]>>;

export type Rbac = ReturnType<typeof createRbac>;

/**
 * Roles to permissions. A role not in the map grants nothing (so removing a role from config
 * takes its permissions away at the next verification, without touching any user).
 *
 * @example
 * createRbac({ admin: ['*'], editor: ['posts:*', 'comments:read'] }).permissionsOf(['editor']);
 * // ['posts:*', 'comments:read']
 */
export function createRbac(roles: RoleMap) {
  // Role names and permission patterns were checked with the options (`roleMap` in local-auth-options.ts).
  const map = new Map<string, readonly string[]>(
    Object.entries(roles).map(([role, permissions]) => [role, Object.freeze([...new Set(permissions)])]),
  );
  const cache = new Map<string, readonly string[]>();
  return {
    has: (role: string) => map.has(role),
    /** The union of the roles' permission patterns, in a stable order. */
    permissionsOf(userRoles: readonly string[]): readonly string[] {
      const key = userRoles.join('\u0000');
      let permissions = cache.get(key);
      if (!permissions) {
        permissions = Object.freeze([...new Set(userRoles.flatMap((r) => map.get(r) ?? []))]);
        if (cache.size < 1000) cache.set(key, permissions);
      }
      return permissions;
    },
  };
}
