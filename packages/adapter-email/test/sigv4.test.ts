import aws4 from 'aws4';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signV4 } from '../src/sigv4.js';

// AWS Signature Version 4 test suite (aws-sig-v4-test-suite): credentials, date and the
// expected canonical request, string to sign and Authorization header, as published.
const scope = {
  service: 'service',
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  date: new Date('2015-08-30T12:36:00Z'),
};
const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const credential = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request';

const vectors = [
  {
    name: 'get-vanilla',
    request: { method: 'GET', url: 'https://example.amazonaws.com/', headers: {}, body: '' },
    creq: `GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY}`,
    sts: 'AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63',
    authz: `${credential}, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31`,
  },
  {
    name: 'get-vanilla-query-order-key',
    request: {
      method: 'GET',
      url: 'https://example.amazonaws.com/?Param1=value2&Param1=Value1',
      headers: {},
      body: '',
    },
    creq: `GET\n/\nParam1=Value1&Param1=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY}`,
    sts: 'AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89',
    authz: `${credential}, SignedHeaders=host;x-amz-date, Signature=eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1`,
  },
  {
    name: 'get-vanilla-query-order-value',
    request: {
      method: 'GET',
      url: 'https://example.amazonaws.com/?Param1=value2&Param1=value1',
      headers: {},
      body: '',
    },
    creq: `GET\n/\nParam1=value1&Param1=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY}`,
    sts: 'AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nc968629d70850097a2d8781c9bf7edcb988b04cac14cca9be4acc3595f884606',
    authz: `${credential}, SignedHeaders=host;x-amz-date, Signature=5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694`,
  },
  {
    name: 'post-x-www-form-urlencoded',
    request: {
      method: 'POST',
      url: 'https://example.amazonaws.com/',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'Param1=value1',
    },
    creq: 'POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e',
    sts: 'AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281',
    authz: `${credential}, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a`,
  },
] as const;

describe('signV4 against the AWS SigV4 test suite', () => {
  for (const v of vectors) {
    it(v.name, () => {
      const parts = signV4(v.request, scope);
      expect(parts.canonicalRequest).toBe(v.creq);
      expect(parts.stringToSign).toBe(v.sts);
      expect(parts.authorization).toBe(v.authz);
    });
  }

  it('post-vanilla and post-sts-header-before (signature only)', () => {
    expect(
      signV4({ method: 'POST', url: 'https://example.amazonaws.com/', headers: {}, body: '' }, scope).authorization,
    ).toBe(
      `${credential}, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b`,
    );
    const sessionToken =
      'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==';
    const signed = signV4(
      { method: 'POST', url: 'https://example.amazonaws.com/', headers: {}, body: '' },
      { ...scope, credentials: { ...scope.credentials, sessionToken } },
    );
    expect(signed.authorization).toBe(
      `${credential}, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead`,
    );
    expect(signed.headers['x-amz-security-token']).toBe(sessionToken);
  });

  it('agrees with aws4 on random SES-like requests', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }),
        fc.constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-2'),
        fc.stringMatching(/^[A-Za-z0-9/+]{10,40}$/),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        (body, region, secret, date) => {
          const url = `https://email.${region}.amazonaws.com/v2/email/outbound-emails`;
          const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: secret };
          const ours = signV4(
            { method: 'POST', url, headers: { 'content-type': 'application/json' }, body },
            { service: 'ses', region, credentials, date },
          );
          const theirs = aws4.sign(
            {
              host: `email.${region}.amazonaws.com`,
              method: 'POST',
              path: '/v2/email/outbound-emails',
              body,
              service: 'ses',
              region,
              headers: { 'content-type': 'application/json', 'x-amz-date': ours.headers['x-amz-date'] as string },
              extraHeadersToIgnore: { 'content-length': true },
            } as aws4.Request,
            credentials,
          );
          expect(ours.authorization).toBe((theirs.headers as Record<string, string>).Authorization);
        },
      ),
      { numRuns: 100 },
    );
  });
});
