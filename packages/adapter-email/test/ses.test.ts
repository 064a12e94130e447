import { describeEmailConformance, expectErr, expectOk } from '@keel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createSesEmail } from '../src/index.js';
import { sesSecretOf, startSesFake } from './support/ses-fake.js';

const fake = await startSesFake('eu-west-1');
afterAll(() => fake.close());

const keyOf = (id: string) => `AKIA${id.replace(/[^A-Za-z0-9]/g, '').toUpperCase()}`;
const credentials = (accessKeyId: string) => ({ accessKeyId, secretAccessKey: sesSecretOf(accessKeyId) });
const base = { from: 'Shop <shop@example.com>', to: ['ada@example.com'], subject: 'Hello', text: 'Hi' };

describeEmailConformance({
  name: 'ses',
  factory: ({ clock, id }) =>
    createSesEmail({ region: 'eu-west-1', ...credentials(keyOf(id)), baseUrl: fake.url, clock }),
  capabilities: { delivers: true, attachments: true, inlineImages: true, customHeaders: true, tags: true },
  delivered: async ({ id }) => fake.delivered(keyOf(id)),
  maxRecipients: 50,
});

describe('createSesEmail against an SES v2 fake that checks SigV4 with aws4', () => {
  it('posts a signed SendEmail request with raw content and the recipients in Destination', async () => {
    const email = createSesEmail({
      region: 'eu-west-1',
      ...credentials('AKIASHAPE'),
      baseUrl: fake.url,
      configurationSetName: 'transactional',
    });
    const receipt = expectOk(
      await email.send({
        ...base,
        cc: ['c@example.com'],
        bcc: ['hidden@example.com'],
        tags: ['welcome'],
        metadata: { campaign: 'spring-2026' },
      }),
    );
    const request = fake.server.requests.at(-1);
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIASHAPE\/\d{8}\/eu-west-1\/ses\/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    const sent = fake.accepted.at(-1);
    expect(receipt).toEqual({
      messageId: sent?.messageId,
      provider: 'ses',
      accepted: ['ada@example.com', 'c@example.com', 'hidden@example.com'],
    });
    expect(sent?.request.FromEmailAddress).toBe('shop@example.com');
    expect(sent?.request.Destination).toEqual({
      ToAddresses: ['ada@example.com'],
      CcAddresses: ['c@example.com'],
      BccAddresses: ['hidden@example.com'],
    });
    expect(sent?.request.EmailTags).toEqual([
      { Name: 'welcome', Value: 'true' },
      { Name: 'campaign', Value: 'spring-2026' },
    ]);
    expect(sent?.request.ConfigurationSetName).toBe('transactional');
    expect(sent?.raw.toString()).not.toMatch(/^bcc:/im);
    await email.close();
  });

  it('signs with a session token when given one', async () => {
    const email = createSesEmail({
      region: 'eu-west-1',
      ...credentials('AKIATEMP'),
      sessionToken: 'token/with+chars==',
      baseUrl: fake.url,
    });
    expectOk(await email.send(base));
    expect(fake.server.requests.at(-1)?.headers['x-amz-security-token']).toBe('token/with+chars==');
    expect(fake.server.requests.at(-1)?.headers.authorization).toContain(
      'SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,',
    );
    await email.close();
  });

  it('is AUTH_FAILED when the signature does not verify or the key is unknown', async () => {
    const wrongSecret = createSesEmail({
      region: 'eu-west-1',
      accessKeyId: 'AKIAWRONG',
      secretAccessKey: 'not-the-secret',
      baseUrl: fake.url,
      retry: false,
    });
    expect(expectErr(await wrongSecret.send(base), 'AUTH_FAILED').message).toContain('InvalidSignatureException');
    const wrongRegion = createSesEmail({
      region: 'us-east-1',
      ...credentials('AKIAREGION'),
      baseUrl: fake.url,
      retry: false,
    });
    expectErr(await wrongRegion.send(base), 'AUTH_FAILED');
    const unknown = createSesEmail({
      region: 'eu-west-1',
      accessKeyId: 'ASIANOPE',
      secretAccessKey: 'x',
      baseUrl: fake.url,
      retry: false,
    });
    expect(expectErr(await unknown.send(base), 'AUTH_FAILED').message).toContain('UnrecognizedClientException');
    await Promise.all([wrongSecret.close(), wrongRegion.close(), unknown.close()]);
  });

  it('maps SES error types to codes', async () => {
    const email = createSesEmail({
      region: 'eu-west-1',
      ...credentials('AKIAERRORS'),
      baseUrl: fake.url,
      retry: false,
      circuitBreaker: false,
    });
    const answer = (status: number, type: string, message: string) => ({
      status,
      headers: { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazonaws.sesv2/` },
      body: JSON.stringify({ message }),
    });
    const cases: [ReturnType<typeof answer>, string][] = [
      [answer(400, 'MessageRejected', 'Email address is not verified.'), 'REJECTED'],
      [answer(400, 'MailFromDomainNotVerifiedException', 'not verified'), 'REJECTED'],
      [answer(400, 'AccountSuspendedException', 'suspended'), 'REJECTED'],
      [answer(400, 'LimitExceededException', 'Daily message quota exceeded.'), 'QUOTA_EXCEEDED'],
      [answer(429, 'TooManyRequestsException', 'Maximum sending rate exceeded.'), 'RATE_LIMITED'],
      [answer(403, 'AccessDeniedException', 'not authorized to perform ses:SendEmail'), 'AUTH_FAILED'],
      [answer(500, 'InternalFailure', 'internal'), 'UNAVAILABLE'],
      [answer(503, 'ServiceUnavailable', 'unavailable'), 'UNAVAILABLE'],
    ];
    for (const [response, code] of cases) {
      fake.server.failNext(response);
      const error = expectErr(await email.send(base), code as 'REJECTED');
      expect(error.message).toContain(JSON.parse(response.body).message);
    }
    await email.close();
  });

  it('refuses tags SES cannot carry before sending', async () => {
    const email = createSesEmail({ region: 'eu-west-1', ...credentials('AKIATAGS'), baseUrl: fake.url });
    const before = fake.server.requests.length;
    expectErr(await email.send({ ...base, tags: ['has space'] }), 'INVALID_MESSAGE');
    expectErr(await email.send({ ...base, metadata: { userId: 'ü' } }), 'INVALID_MESSAGE');
    expectErr(await email.send({ ...base, tags: ['same'], metadata: { same: '1' } }), 'INVALID_MESSAGE');
    expect(fake.server.requests.length).toBe(before);
    await email.close();
  });

  it('reads credentials and region from the AWS environment variables', () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, {
        AWS_REGION: 'eu-central-1',
        AWS_ACCESS_KEY_ID: 'AKIAENV',
        AWS_SECRET_ACCESS_KEY: 's',
      });
      expect(createSesEmail().adapter).toBe('ses');
      delete process.env.AWS_SECRET_ACCESS_KEY;
      expect(() => createSesEmail()).toThrow(
        /secretAccessKey: is required \(a string, or the AWS_SECRET_ACCESS_KEY environment variable\)/,
      );
    } finally {
      process.env = saved;
    }
  });
});
