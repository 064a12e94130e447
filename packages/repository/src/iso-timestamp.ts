/**
 * Reads the timestamp text the repository writes (`Date#toISOString`: `YYYY-MM-DDTHH:MM:SS.sssZ`)
 * by its digits, which costs half of `new Date(text)`: every read decodes two or more timestamps,
 * so on SQLite this is a tenth of a `findById`. Anything else, and any day past the 28th (where
 * `Date.UTC` would roll an impossible date over into the next month), goes to `new Date(text)`,
 * so the answer is always `new Date(text)`'s.
 */
export function parseTimestamp(text: string): Date {
  if (text.length !== 24 || !separatorsAt(text)) return new Date(text);
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hours = digits(text, 11, 2);
  const minutes = digits(text, 14, 2);
  const seconds = digits(text, 17, 2);
  const ms = digits(text, 20, 3);
  // NaN fails every comparison: a stray character falls through too.
  const plain = month >= 1 && month <= 12 && day >= 1 && day <= 28 && hours <= 23 && minutes <= 59 && seconds <= 59;
  if (!(plain && ms >= 0 && year >= 0)) return new Date(text);
  // Date.UTC maps years 0–99 to 1900–1999; the text means the year itself.
  const date = new Date(Date.UTC(2000, month - 1, day, hours, minutes, seconds, ms));
  date.setUTCFullYear(year);
  return date;
}

/** `-`, `-`, `T`, `:`, `:`, `.` and `Z` where `toISOString` puts them (written out: this is per read). */
function separatorsAt(text: string): boolean {
  return (
    text.charCodeAt(4) === 45 &&
    text.charCodeAt(7) === 45 &&
    text.charCodeAt(10) === 84 &&
    text.charCodeAt(13) === 58 &&
    text.charCodeAt(16) === 58 &&
    text.charCodeAt(19) === 46 &&
    text.charCodeAt(23) === 90
  );
}

/** The decimal number in `length` characters from `at`, or NaN when one is not a digit. */
function digits(text: string, at: number, length: number): number {
  let value = 0;
  for (let i = at; i < at + length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}
