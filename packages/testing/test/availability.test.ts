import { afterEach, describe, expect, it, vi } from 'vitest';
import { privateRedis } from '../src/index.js';

// Without the server's binaries the tests skip with the reason; under CI that is a failure.
describe('private servers without their binaries', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('skip with the reason locally', () => {
    vi.stubEnv('PATH', '');
    vi.stubEnv('CI', '');
    expect(privateRedis()).toEqual({ skip: 'no redis-server on PATH' });
  });

  it('fail under CI', () => {
    vi.stubEnv('PATH', '');
    vi.stubEnv('CI', 'true');
    expect(() => privateRedis()).toThrow('CI needs this server: no redis-server on PATH');
  });
});
