import { isWellFormed, utf8Length } from '../kv/kv-values.js';

const CONTAINER = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
// C0 controls, DEL and C1 controls: invisible in logs and listings, and NUL ends a C path.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Why a container name is not one, or `undefined` when it is: 3 to 63 lowercase letters, digits
 * and hyphens, starting and ending with a letter or digit. Every S3 bucket rule fits inside it,
 * and such a name is safe as a folder name on every file system (no dots, no separators).
 *
 * @example
 * containerNameProblem('Exports'); // 'container name must be 3 to 63 lowercase …'
 */
export function containerNameProblem(name: string): string | undefined {
  if (CONTAINER.test(name)) return undefined;
  return (
    `container name ${JSON.stringify(name.length > 70 ? `${name.slice(0, 70)}…` : name)} must be 3 to 63 ` +
    'lowercase letters, digits and hyphens, starting and ending with a letter or digit'
  );
}

/**
 * Why a key is not one, or `undefined` when it is. A key is a name, never a path: it may hold
 * `/` to group keys for listing, but it cannot start with `/`, hold a `.` or `..` segment or a
 * backslash, or hold control characters, and it fits in `maxKeyBytes` of UTF-8.
 *
 * @example
 * keyProblem('../etc/passwd', 1024); // 'key must not have a "." or ".." segment'
 */
export function keyProblem(key: string, maxKeyBytes: number): string | undefined {
  if (key.length === 0) return 'key must not be empty';
  if (!isWellFormed(key)) return 'key contains a lone surrogate, which UTF-8 cannot hold';
  if (key.length * 3 > maxKeyBytes && utf8Length(key) > maxKeyBytes) {
    return `key is longer than maxKeyBytes (${maxKeyBytes} bytes of UTF-8)`;
  }
  if (CONTROL.test(key)) return 'key must not contain control characters (U+0000–U+001F, U+007F–U+009F)';
  if (key.startsWith('/')) return 'key must not start with "/" (a key is a name, not an absolute path)';
  if (key.includes('\\')) return 'key must not contain "\\" (a path separator on Windows)';
  if (key.split('/').some((segment) => segment === '.' || segment === '..')) {
    return 'key must not have a "." or ".." segment';
  }
  return undefined;
}
