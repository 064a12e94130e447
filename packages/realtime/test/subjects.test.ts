// The grant's pattern matching and the event id's round trip, over many inputs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCursor, maxEventIdLength, parseCursor, type SubjectCursor } from '../src/event-cursor.js';
import { assertPattern, isSubject, matchesPattern } from '../src/subject-patterns.js';

const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,6}$/);
const subject = fc.array(token, { minLength: 1, maxLength: 5 }).map((t) => t.join('.'));

describe('matchesPattern', () => {
  it.each([
    ['workspace.7.tasks', 'workspace.7.>', true],
    ['workspace.7', 'workspace.7.>', false],
    ['workspace.70.tasks', 'workspace.7.>', false],
    ['workspace.7.tasks', 'workspace.*.tasks', true],
    ['workspace.7.tasks.x', 'workspace.*.tasks', false],
    ['workspace.7.tasks', 'workspace.7.tasks', true],
    ['workspace.7.task', 'workspace.7.tasks', false],
    ['a', '>', true],
  ])('%s against %s is %s', (s, p, expected) => {
    expect(matchesPattern(s, p)).toBe(expected);
  });

  it('a literal pattern matches only itself; `>` after a prefix matches every longer subject under it', () => {
    fc.assert(
      fc.property(subject, subject, (a, b) => {
        expect(matchesPattern(a, b)).toBe(a === b);
        expect(matchesPattern(`${b}.${a}`, `${b}.>`)).toBe(true);
        expect(matchesPattern(b, `${b}.>`)).toBe(false);
      }),
    );
  });

  it('refuses malformed patterns and wildcard subjects', () => {
    for (const bad of ['', 'a..b', 'a.>.b', 'a.b c', 'a.**', '.a']) expect(() => assertPattern(bad)).toThrow(TypeError);
    for (const bad of ['a.*', '>', 'a..b', 'a.', ' a', 'a/b', 'a'.repeat(256)]) expect(isSubject(bad)).toBe(false);
  });
});

describe('event ids', () => {
  const cursor: fc.Arbitrary<SubjectCursor> = fc.oneof(
    fc
      .string({ minLength: 1, maxLength: 40 })
      .filter((p) => !/[\u0000-\u001f\u007f]/.test(p))
      .map((position) => ({ kind: 'position' as const, position })),
    fc.integer({ min: 0, max: 2 ** 45 }).map((ms) => ({ kind: 'time' as const, ms })),
  );

  it('read back what they wrote, for any positions', () => {
    fc.assert(
      fc.property(fc.array(cursor, { minLength: 1, maxLength: 8 }), (cursors) => {
        expect(parseCursor(encodeCursor(cursors), cursors.length)).toEqual(cursors);
      }),
    );
  });

  it('refuse ids they did not write', () => {
    for (const bad of ['', 'x1', 'p', 'p%E0%A4%A', 't-1', 'p1  p2', `p${'1'.repeat(maxEventIdLength)}`, 'p%0A'])
      expect(parseCursor(bad, 1), bad).toBeUndefined();
    expect(parseCursor('p1 p2', 1)).toBeUndefined();
  });
});
