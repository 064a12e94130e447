import type { AuthOperations } from './auth-contract.js';

/** Every auth operation name, checked against `AuthOperations` at compile time. */
export const authOperationNames = [
  'register',
  'login',
  'verifySession',
  'verifyAccessToken',
  'refresh',
  'logout',
  'logoutEverywhere',
  'revokeSession',
  'changePassword',
  'requestPasswordReset',
  'completePasswordReset',
  'requestEmailVerification',
  'verifyEmail',
  'getUser',
  'setRoles',
  'authorize',
  'beginOidcLogin',
  'completeOidcLogin',
] as const satisfies readonly (keyof AuthOperations)[];

type Missing = Exclude<keyof AuthOperations, (typeof authOperationNames)[number]>;
export const authOperationsComplete: [Missing] extends [never] ? true : Missing = true;
