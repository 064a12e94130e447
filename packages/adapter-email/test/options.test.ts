import { KeelOptionsError } from '@keel/core/adapter';
import { describe, expect, it } from 'vitest';
import {
  createFailoverEmail,
  createMailgunEmail,
  createOutboxEmail,
  createSendgridEmail,
  createSesEmail,
  createSmtpEmail,
} from '../src/index.js';
import { parseRetryAfter } from '@keel/core/adapter';
import { httpStatusCode } from '../src/http-provider.js';

const ses = { region: 'eu-west-1', accessKeyId: 'AKIA1', secretAccessKey: 's' };

describe('options', () => {
  it('every factory refuses bad options with a KeelOptionsError naming the field', () => {
    const cases: [() => unknown, RegExp][] = [
      [() => createSendgridEmail({} as never), /createSendgridEmail: apiKey: is required/],
      [() => createSendgridEmail({ apiKey: '  ' }), /apiKey: expected a non-empty string, got " {2}"/],
      [() => createSendgridEmail({ apiKey: 'k', baseUrl: 'ftp://x' }), /baseUrl: expected an http\(s\) URL, got "ftp/],
      [
        () => createSendgridEmail({ apiKey: 'k', apikey: 'k' } as never),
        /apikey: is not an option; did you mean 'apiKey'/,
      ],
      [() => createSendgridEmail({ apiKey: 'k', timeoutMs: 0 }), /timeoutMs: expected an integer from 1/],
      [
        () => createSendgridEmail({ apiKey: 'k', retry: { maxAttempts: 0 } }),
        /retry\.maxAttempts: expected an integer from 1/,
      ],
      [
        () => createSendgridEmail({ apiKey: 'k', retry: { multiplier: 0.5 } }),
        /retry\.multiplier: expected a number from 1 to 100, got 0\.5/,
      ],
      [
        () => createSendgridEmail({ apiKey: 'k', retry: { maxAttempt: 2 } as never }),
        /retry\.maxAttempt: is not an option; did you mean 'maxAttempts'/,
      ],
      [
        () => createSendgridEmail({ apiKey: 'k', retry: true as never }),
        /retry: expected false or an object, got true/,
      ],
      [
        () => createSendgridEmail({ apiKey: 'k', circuitBreaker: { failureThreshold: 0 } }),
        /circuitBreaker\.failureThreshold/,
      ],
      [() => createSendgridEmail({ apiKey: 'k', idempotency: { windowMs: -1 } }), /idempotency\.windowMs/],
      [
        () => createSendgridEmail({ apiKey: 'k', idempotency: { kv: {} as never } }),
        /idempotency\.kv: expected a Kv or the name of a kv instance, got an object/,
      ],
      [() => createSendgridEmail({ apiKey: 'k', clock: {} as never }), /clock: expected a clock/],
      [() => createMailgunEmail({ apiKey: 'k' } as never), /createMailgunEmail: domain: is required/],
      [() => createSesEmail({ ...ses, region: 'EU WEST' }), /region: expected an AWS region/],
      [
        () => createSmtpEmail({ host: 'h', security: 'ssl' as never }),
        /security: expected one of 'starttls', 'tls', 'opportunistic', 'none'/,
      ],
      [() => createSmtpEmail({ host: 'h', user: 'u' }), /password: is required \(user and password go together\)/],
      [() => createSmtpEmail({ host: 'h', password: 'p' }), /user: is required \(user and password go together\)/],
      [() => createSmtpEmail({ host: 'h', port: 70_000 }), /port: expected an integer from 1 to 65535/],
      [() => createSmtpEmail({ host: 'h', tls: { minVersion: 'TLSv1' as never } }), /tls\.minVersion/],
      [() => createSmtpEmail({ host: 'h', limits: { maxRecipients: 0 } }), /limits\.maxRecipients/],
      [() => createOutboxEmail({ keep: 1.5 }), /keep: expected an integer/],
      [() => createFailoverEmail({} as never), /providers: is required/],
    ];
    for (const [make, message] of cases) {
      let thrown: unknown;
      try {
        make();
      } catch (error) {
        thrown = error;
      }
      expect(thrown, String(message)).toBeInstanceOf(KeelOptionsError);
      expect((thrown as Error).message).toMatch(message);
    }
  });

  it('reports every mistake of one options object, each with its path', () => {
    let thrown: unknown;
    try {
      createSmtpEmail({
        host: '',
        port: 0,
        user: 'u',
        tls: { minVersion: 'TLSv1' as never, servername: 5 as never },
        retry: { maxAttempts: 0, multiplier: 'x' as never },
        circuitBreaker: { failureThreshold: 'x' as never },
        idempotency: { kv: 7 as never, windwMs: 1 } as never,
        pools: true,
      } as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(KeelOptionsError);
    expect((thrown as KeelOptionsError).issues.map((i) => i.path)).toEqual([
      'host',
      'port',
      'tls.servername',
      'tls.minVersion',
      'retry.maxAttempts',
      'retry.multiplier',
      'circuitBreaker.failureThreshold',
      'idempotency.kv',
      'idempotency.windwMs',
      'pools',
      'password',
    ]);
    expect((thrown as KeelOptionsError).message).toContain("pools: is not an option; did you mean 'pool'?");
    expect((thrown as KeelOptionsError).message).toContain(
      "idempotency.windwMs: is not an option; did you mean 'windowMs'?",
    );
  });

  it('falls back to the AWS environment variables for ses, and names every one that is missing', () => {
    const saved = { ...process.env };
    try {
      for (const name of ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
        delete process.env[name];
      }
      expect(() => createSesEmail({ timeoutMs: 0 })).toThrow(
        'createSesEmail: timeoutMs: expected an integer from 1 to 2147483647, got 0; ' +
          'region: is required (a string, or the AWS_REGION environment variable); ' +
          'accessKeyId: is required (a string, or the AWS_ACCESS_KEY_ID environment variable); ' +
          'secretAccessKey: is required (a string, or the AWS_SECRET_ACCESS_KEY environment variable)',
      );
      process.env.AWS_REGION = 'EU WEST';
      expect(() => createSesEmail({ accessKeyId: 'a', secretAccessKey: 's' })).toThrow(
        /region: expected an AWS region such as eu-west-1 \(from AWS_REGION\), got "EU WEST"/,
      );
    } finally {
      process.env = saved;
    }
  });

  it('accepts `false` for retry, circuitBreaker and idempotency, and sensible defaults otherwise', () => {
    expect(createSendgridEmail({ apiKey: 'k', retry: false, circuitBreaker: false, idempotency: false }).adapter).toBe(
      'sendgrid',
    );
    expect(createSmtpEmail({ host: 'localhost' }).capabilities.tags).toBe(false);
    expect(createSesEmail(ses).adapter).toBe('ses');
  });
});

describe('HTTP answers', () => {
  it('maps statuses to codes', () => {
    expect(
      [400, 401, 402, 403, 404, 408, 413, 422, 429, 500, 502, 503, 504].map((s) => [s, httpStatusCode(s)]),
    ).toEqual([
      [400, 'REJECTED'],
      [401, 'AUTH_FAILED'],
      [402, 'REJECTED'],
      [403, 'AUTH_FAILED'],
      [404, 'REJECTED'],
      [408, 'UNAVAILABLE'],
      [413, 'REJECTED'],
      [422, 'REJECTED'],
      [429, 'RATE_LIMITED'],
      [500, 'UNAVAILABLE'],
      [502, 'UNAVAILABLE'],
      [503, 'UNAVAILABLE'],
      [504, 'UNAVAILABLE'],
    ]);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:27:00 GMT');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1500);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});
