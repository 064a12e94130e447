import { addressProblem } from '../email/email-address.js';
import { describeValue } from '../errors/describe-value.js';
import type { AuthPrincipal, AuthRequestContext, OidcCallbackParams, OidcLoginOptions } from './auth-contract.js';
import { permissionProblem, roleProblem } from './auth-permissions.js';

/** A bad argument value: the guard answers with this code and message instead of calling the driver. */
export class ArgumentProblem {
  constructor(
    readonly code: 'INVALID_ARGUMENT' | 'INVALID_TOKEN',
    readonly message: string,
  ) {}
}

export const MAX_PASSWORD_LENGTH = 4096;
export const MAX_TOKEN_LENGTH = 4096;
const MAX_ID_LENGTH = 256;
const MAX_USER_AGENT_LENGTH = 512;
const MAX_IP_LENGTH = 64;
const MAX_ROLES = 100;
const WHITESPACE = /\s/;

const invalid = (message: string) => new ArgumentProblem('INVALID_ARGUMENT', message);

function requireString(op: string, field: string, value: unknown): string {
  if (typeof value !== 'string')
    throw new TypeError(`auth.${op}: ${field} must be a string, got ${describeValue(value)}`);
  return value;
}

/** The fields of a record argument (`registration`, `credentials`); anything but an object throws. */
export function recordArgument(op: string, field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null)
    throw new TypeError(`auth.${op}: ${field} must be an object, got ${describeValue(value)}`);
  return value as Record<string, unknown>;
}

/**
 * Emails are compared trimmed and lower-cased, so `Ada@Example.com ` and `ada@example.com` are
 * one account.
 */
export function normalizeEmailArgument(op: string, value: unknown, field = 'email'): string | ArgumentProblem {
  const email = requireString(op, field, value).trim().toLowerCase();
  const problem = addressProblem(email);
  return problem ? invalid(`${field} ${problem}`) : email;
}

/** Passwords are NFKC-normalised (NIST SP 800-63B), so the same characters typed differently match. */
export function normalizePasswordArgument(op: string, value: unknown, field = 'password'): string | ArgumentProblem {
  const password = requireString(op, field, value);
  if (password.length > MAX_PASSWORD_LENGTH)
    return invalid(`${field} is longer than ${MAX_PASSWORD_LENGTH} characters`);
  return password.normalize('NFKC');
}

/** A token that cannot be one of ours never reaches the driver. */
export function checkTokenArgument(op: string, value: unknown, field = 'token'): string | ArgumentProblem {
  const token = requireString(op, field, value);
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || WHITESPACE.test(token)) {
    return new ArgumentProblem('INVALID_TOKEN', `${field} is not a token`);
  }
  return token;
}

export function checkIdArgument(op: string, value: unknown, field: string): string | ArgumentProblem {
  const id = requireString(op, field, value);
  if (id.length === 0 || id.length > MAX_ID_LENGTH) return invalid(`${field} must be 1 to ${MAX_ID_LENGTH} characters`);
  return id;
}

export function normalizeContext(op: string, value: unknown): AuthRequestContext | ArgumentProblem {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null)
    throw new TypeError(`auth.${op}: context must be an object, got ${describeValue(value)}`);
  const { ip, userAgent } = value as AuthRequestContext;
  if (ip !== undefined) requireString(op, 'context.ip', ip);
  if (userAgent !== undefined) requireString(op, 'context.userAgent', userAgent);
  const trimmedIp = ip?.trim();
  if (trimmedIp !== undefined && (trimmedIp.length > MAX_IP_LENGTH || WHITESPACE.test(trimmedIp))) {
    return invalid(`context.ip is not an address: ${describeValue(ip)}`);
  }
  return {
    ...(trimmedIp ? { ip: trimmedIp } : {}),
    ...(userAgent ? { userAgent: userAgent.slice(0, MAX_USER_AGENT_LENGTH) } : {}),
  };
}

export function checkRolesArgument(op: string, value: unknown): string[] | ArgumentProblem {
  if (!Array.isArray(value))
    throw new TypeError(`auth.${op}: roles must be an array of strings, got ${describeValue(value)}`);
  if (value.length > MAX_ROLES) return invalid(`at most ${MAX_ROLES} roles`);
  const roles = new Set<string>();
  for (let i = 0; i < value.length; i++) {
    const role = requireString(op, `roles[${i}]`, value[i]);
    const problem = roleProblem(role);
    if (problem) return invalid(`roles[${i}] ${describeValue(role)} ${problem}`);
    roles.add(role);
  }
  return [...roles];
}

export function checkPermissionArgument(op: string, value: unknown): string | ArgumentProblem {
  const permission = requireString(op, 'permission', value);
  const problem = permissionProblem(permission);
  return problem ? invalid(`permission ${describeValue(permission)} ${problem}`) : permission;
}

export function checkPrincipalArgument(op: string, value: unknown): AuthPrincipal {
  if (typeof value !== 'object' || value === null)
    throw new TypeError(`auth.${op}: principal must be an object, got ${describeValue(value)}`);
  const { permissions } = value as AuthPrincipal;
  if (!Array.isArray(permissions) || permissions.some((p) => typeof p !== 'string')) {
    throw new TypeError(`auth.${op}: principal.permissions must be an array of strings`);
  }
  return value as AuthPrincipal;
}

export function checkProviderArgument(op: string, value: unknown): string | ArgumentProblem {
  const provider = requireString(op, 'provider', value);
  return provider.length === 0 || provider.length > 64 ? invalid('provider must be 1 to 64 characters') : provider;
}

export function normalizeOidcOptions(op: string, value: unknown): OidcLoginOptions {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null)
    throw new TypeError(`auth.${op}: options must be an object, got ${describeValue(value)}`);
  const { returnTo, loginHint } = value as OidcLoginOptions;
  if (returnTo !== undefined) requireString(op, 'options.returnTo', returnTo);
  if (loginHint !== undefined) requireString(op, 'options.loginHint', loginHint);
  return { ...(returnTo === undefined ? {} : { returnTo }), ...(loginHint ? { loginHint } : {}) };
}

export function normalizeCallbackParams(op: string, value: unknown): Readonly<Record<string, string>> {
  if (value instanceof URLSearchParams) return Object.fromEntries(value);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`auth.${op}: params must be an object or URLSearchParams, got ${describeValue(value)}`);
  }
  const params: Record<string, string> = {};
  for (const [name, v] of Object.entries(value as OidcCallbackParams))
    params[name] = requireString(op, `params.${name}`, v);
  return params;
}
