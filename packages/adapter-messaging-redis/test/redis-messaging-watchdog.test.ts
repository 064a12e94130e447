import { Command } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { commandWatchdog } from '../src/redis-messaging-watchdog.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Commands that are never sent: the test answers them itself, as the connection would.
const unsent = () => new Command('get', ['k'], { replyEncoding: 'utf8' });

describe('the command watchdog', () => {
  it('fails only the commands still unanswered past the timeout, with ioredis’s timeout error', async () => {
    const watchdog = commandWatchdog(100);
    try {
      const answered = watchdog.command(unsent());
      const unanswered = watchdog.command(unsent());
      answered.resolve(Buffer.from('v'));
      const outcome = await Promise.allSettled([answered.promise, unanswered.promise]);
      expect(outcome[0]).toEqual({ status: 'fulfilled', value: 'v' });
      expect(outcome[1]).toMatchObject({ status: 'rejected', reason: { message: 'Command timed out' } });
    } finally {
      watchdog.close();
    }
  });

  it('keeps watching a late command after thousands of answered ones were dropped', async () => {
    const watchdog = commandWatchdog(100);
    try {
      const late = watchdog.command(unsent());
      for (let i = 0; i < 5000; i++) watchdog.command(unsent()).resolve(Buffer.from('v'));
      const after = watchdog.command(unsent());
      await expect(late.promise).rejects.toThrow('Command timed out');
      await expect(after.promise).rejects.toThrow('Command timed out');
    } finally {
      watchdog.close();
    }
  });

  it('bounds a promise (a script’s call) and maps its failure', async () => {
    const watchdog = commandWatchdog(100);
    const mapped = (error: unknown) => new Error(`mapped: ${(error as Error).message}`);
    try {
      const outcome = await Promise.allSettled([
        watchdog.limit(new Promise<never>(() => undefined), mapped),
        watchdog.limit(Promise.reject(new Error('NOPERM')), mapped),
        watchdog.limit(
          sleep(10).then(() => 'v'),
          mapped,
        ),
      ]);
      expect(outcome).toMatchObject([
        { status: 'rejected', reason: { message: 'mapped: Command timed out' } },
        { status: 'rejected', reason: { message: 'mapped: NOPERM' } },
        { status: 'fulfilled', value: 'v' },
      ]);
    } finally {
      watchdog.close();
    }
  });
});
