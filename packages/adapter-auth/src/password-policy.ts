import type { ResolvedPasswordPolicy } from './password-options.js';

export interface PasswordPolicy {
  /** Stable reason codes; empty when the password is acceptable. */
  problems(password: string, email: string): Promise<string[]>;
}

const REASON_TEXT: Readonly<Record<string, string>> = {
  'too-short': 'is too short',
  'too-long': 'is too long',
  common: 'is one of the most common passwords',
  'contains-email': 'contains the email address',
  repetitive: 'is one character repeated or a simple sequence',
};

/** A sentence for people, from reason codes. */
export function describePasswordProblems(
  reasons: readonly string[],
  policy: { minLength: number; maxLength: number },
): string {
  const parts = reasons.map((r) => {
    if (r === 'too-short') return `is shorter than ${policy.minLength} characters`;
    if (r === 'too-long') return `is longer than ${policy.maxLength} characters`;
    return REASON_TEXT[r] ?? `fails the check '${r}'`;
  });
  return `the password ${parts.join(', ')}`;
}

/**
 * NIST SP 800-63B style: length rather than composition rules, a list of common passwords,
 * nothing derived from the account's email, no `aaaaaaaaaaaa` or `123456789012`.
 */
export function createPasswordPolicy(options: ResolvedPasswordPolicy): PasswordPolicy {
  const { minLength, maxLength, check } = options;
  return {
    async problems(password, email) {
      const reasons: string[] = [];
      const length = [...password].length;
      if (length < minLength) reasons.push('too-short');
      if (length > maxLength) reasons.push('too-long');
      const lower = password.toLowerCase();
      if (COMMON.has(lower) || COMMON.has(lower.replace(/[0-9!.?_-]+$/, ''))) reasons.push('common');
      const local = email.split('@')[0] ?? '';
      if (lower.includes(email) || (local.length >= 4 && lower.includes(local))) reasons.push('contains-email');
      if (isRepetitive(lower)) reasons.push('repetitive');
      if (check) for (const r of await check(password, { email })) if (!reasons.includes(r)) reasons.push(r);
      return reasons;
    },
  };
}

/** One repeated character or unit (`abcabcabcabc`), or a run of consecutive characters (`123456789012`, `abcdefghijkl`). */
function isRepetitive(password: string): boolean {
  const chars = [...password];
  if (chars.length === 0) return false;
  for (let unit = 1; unit <= 3; unit++) {
    if (chars.length >= unit * 2 && chars.every((c, i) => c === chars[i % unit])) return true;
  }
  const codes = chars.map((c) => c.codePointAt(0) as number);
  const step = (codes[1] ?? 0) - (codes[0] ?? 0);
  return (
    Math.abs(step) === 1 &&
    codes.every(
      (c, i) => i === 0 || c - (codes[i - 1] as number) === step || (step === 1 && c === 48 && codes[i - 1] === 57),
    )
  );
}

// The most common passwords of public breach corpora that are 8 characters or longer (shorter
// ones fail the length rule anyway); suffix digits and punctuation are stripped before the lookup.
const COMMON = new Set([
  'password',
  'password1',
  'password12',
  'password123',
  'passw0rd',
  'p@ssw0rd',
  'p@ssword',
  'pa$$word',
  '12345678',
  '123456789',
  '1234567890',
  '12345678910',
  '123123123',
  '11111111',
  '00000000',
  '87654321',
  'qwertyuiop',
  'qwerty123',
  'qwertyui',
  '1q2w3e4r',
  '1q2w3e4r5t',
  '1qaz2wsx',
  'zaq12wsx',
  'asdfghjkl',
  'iloveyou',
  'sunshine',
  'princess',
  'football',
  'baseball',
  'basketball',
  'superman',
  'batman',
  'trustno1',
  'welcome',
  'welcome1',
  'letmein',
  'letmein1',
  'starwars',
  'whatever',
  'master',
  'michael',
  'jennifer',
  'jordan23',
  'charlie',
  'computer',
  'freedom',
  'dragon',
  'monkey',
  'shadow',
  'mustang',
  'harley',
  'hunter',
  'ranger',
  'soccer',
  'hockey',
  'killer',
  'access',
  'secret',
  'changeme',
  'default',
  'administrator',
  'admin',
  'admin123',
  'root',
  'toor',
  'guest',
  'login',
  'abc123',
  'abcd1234',
  'aa123456',
  'qwe123',
  'q1w2e3r4',
  'q1w2e3r4t5',
  'zxcvbnm',
  'zxcvbnm123',
  'liverpool',
  'chelsea',
  'arsenal',
  'pokemon',
  'naruto',
  'minecraft',
  'samsung',
  'google',
  'facebook',
  'linkedin',
  'myspace',
  'iloveyou1',
  'lovely',
  'loveme',
  'babygirl',
  'butterfly',
  'chocolate',
  'cookie',
  'pepper',
  'summer',
  'winter',
  'spring',
  'autumn',
  'january',
  'december',
  'thomas',
  'daniel',
  'andrew',
  'joshua',
  'matthew',
  'jessica',
  'ashley',
  'nicole',
  'amanda',
  'anthony',
  'corvette',
  'mercedes',
  'ferrari',
  'maverick',
  'matrix',
  'phoenix',
  'blink182',
  'metallica',
  'passwordpassword',
  'qwertyqwerty',
  'correcthorsebatterystaple',
  'correct horse battery staple',
  'letmeinplease',
  'opensesame',
  'mypassword',
  'yourpassword',
  'newpassword',
  'temppassword',
]);
