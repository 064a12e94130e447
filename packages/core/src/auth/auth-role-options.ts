import * as v from 'valibot';
import { readonlyArray } from '../options/option-schemas.js';
import { permissionProblem, roleProblem } from './auth-permissions.js';

/** A role name, checked as `roleProblem` checks it: what an auth adapter's options take. */
export const authRoleName = v.pipe(
  v.string('expected a role name'),
  v.check(
    (role) => roleProblem(role) === undefined,
    (issue) => `the role name ${roleProblem(issue.input as string)}`,
  ),
);

const permission = v.pipe(
  v.string('expected a permission pattern (a string)'),
  v.check(
    (pattern) => permissionProblem(pattern) === undefined,
    (issue) => `the permission ${permissionProblem(issue.input as string)}`,
  ),
);

/** An auth adapter's `roles` option: role → permission patterns (`posts:*`, `comments:read`, `*`). */
export const authRoles = v.record(
  authRoleName,
  readonlyArray(permission, 'expected an array of permission patterns'),
  'expected an object of role → permission patterns',
);
