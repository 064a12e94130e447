import { randomBytes } from 'node:crypto';
import type { DeliveredEmail } from '@keel/testing';
import aws4 from 'aws4';
import { FakeHttpServer, json, type FakeAnswer, type RecordedRequest } from './http-fake.js';
import { deliveredFromParsed, parseEml } from './parsed-email.js';

export interface SesAccepted {
  readonly accessKeyId: string;
  readonly messageId: string;
  readonly request: SendEmailRequest;
  readonly raw: Buffer;
  readonly delivered: DeliveredEmail;
}

interface SendEmailRequest {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
  Content?: { Raw?: { Data?: string }; Simple?: unknown };
  EmailTags?: { Name: string; Value: string }[];
  ConfigurationSetName?: string;
}

/** The fake's credentials: any access key id starting `AKIA`; its secret is `secret-<id>`. */
export const sesSecretOf = (accessKeyId: string) => `secret-${accessKeyId}`;

const TAG = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * SES API v2 `SendEmail` as documented: `POST /v2/email/outbound-emails`, JSON, signed with
 * SigV4 for service `ses`. The signature is recomputed here with `aws4` (an independent
 * implementation) over the headers the request says it signed. Errors come as
 * `x-amzn-ErrorType` plus `{"message"}`: 403 for a bad signature or unknown key, 400
 * `BadRequestException`/`MessageRejected`, 429 `TooManyRequestsException`.
 */
export async function startSesFake(region = 'eu-west-1') {
  const accepted: SesAccepted[] = [];
  const server = await FakeHttpServer.start((request) => handle(request, region, accepted));
  return {
    server,
    url: server.url,
    region,
    accepted,
    delivered: (accessKeyId: string): DeliveredEmail[] =>
      accepted.filter((a) => a.accessKeyId === accessKeyId).map((a) => a.delivered),
    close: () => server.close(),
  };
}

function sesError(status: number, type: string, message: string): FakeAnswer {
  return json(
    status,
    { message },
    { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazonaws.sesv2/` },
  );
}

async function handle(request: RecordedRequest, region: string, accepted: SesAccepted[]): Promise<FakeAnswer> {
  if (request.method !== 'POST' || request.path !== '/v2/email/outbound-emails')
    return sesError(404, 'NotFoundException', 'Not Found');
  const verdict = checkSignature(request, region);
  if (verdict) return verdict;
  if (request.headers['content-type'] !== 'application/json')
    return sesError(400, 'BadRequestException', 'Content-Type must be application/json');
  let body: SendEmailRequest;
  try {
    body = JSON.parse(request.body.toString('utf8')) as SendEmailRequest;
  } catch {
    return sesError(400, 'SerializationException', 'Could not parse the request body');
  }
  const data = body.Content?.Raw?.Data;
  if (typeof data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(data))
    return sesError(400, 'BadRequestException', 'Content.Raw.Data must be a base64 blob');
  const destination = body.Destination ?? {};
  const recipients = [
    ...(destination.ToAddresses ?? []),
    ...(destination.CcAddresses ?? []),
    ...(destination.BccAddresses ?? []),
  ];
  if (recipients.length === 0) return sesError(400, 'BadRequestException', 'Missing final destination');
  if (recipients.length > 50) return sesError(400, 'MessageRejected', 'Recipient count exceeds 50.');
  for (const tag of body.EmailTags ?? []) {
    if (!TAG.test(tag.Name) || !TAG.test(tag.Value))
      return sesError(400, 'BadRequestException', `Invalid tag name or value: ${tag.Name}`);
  }
  const raw = Buffer.from(data, 'base64');
  const parsed = await parseEml(raw);
  if (parsed.from?.value[0]?.address !== body.FromEmailAddress)
    return sesError(400, 'BadRequestException', 'FromEmailAddress does not match the From header');
  if (/^bcc:/im.test(raw.toString('latin1').split(/\r?\n\r?\n/)[0] ?? ''))
    return sesError(400, 'MessageRejected', 'The raw message carries a Bcc header');
  const tags = (body.EmailTags ?? []).filter((t) => t.Value === 'true').map((t) => t.Name);
  const metadata = Object.fromEntries(
    (body.EmailTags ?? []).filter((t) => t.Value !== 'true').map((t) => [t.Name, t.Value]),
  );
  const delivered = deliveredFromParsed(parsed, { bcc: destination.BccAddresses ?? [], tags, metadata });
  const messageId = `0102${randomBytes(8).toString('hex')}-${randomBytes(4).toString('hex')}-000000`;
  accepted.push({ accessKeyId: credentialOf(request) as string, messageId, request: body, raw, delivered });
  return json(200, { MessageId: messageId });
}

function credentialOf(request: RecordedRequest): string | undefined {
  return /Credential=([^/]+)\//.exec(request.headers.authorization ?? '')?.[1];
}

/** Recomputes the SigV4 signature with aws4; `undefined` when it matches. */
function checkSignature(request: RecordedRequest, region: string): FakeAnswer | undefined {
  const auth =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
      request.headers.authorization ?? '',
    );
  if (!auth)
    return sesError(
      403,
      'IncompleteSignatureException',
      'Authorization header requires Credential, SignedHeaders and Signature',
    );
  const [, accessKeyId, day, credentialRegion, service, signedHeaders] = auth as unknown as string[];
  if (!accessKeyId?.startsWith('AKIA'))
    return sesError(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
  if (service !== 'ses' || credentialRegion !== region)
    return sesError(
      403,
      'InvalidSignatureException',
      `Credential should be scoped to a valid region and service ses/${region}`,
    );
  const signed = (signedHeaders as string).split(';');
  if (!signed.includes('host') || !signed.includes('x-amz-date'))
    return sesError(403, 'InvalidSignatureException', 'host and x-amz-date must be signed');
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const at = Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (Number.isNaN(at) || Math.abs(at - Date.now()) > 5 * 60_000 || amzDate.slice(0, 8) !== day) {
    return sesError(403, 'InvalidSignatureException', 'Signature expired or X-Amz-Date is not the credential date');
  }
  const headers: Record<string, string> = {};
  for (const name of signed) headers[name] = String(request.headers[name] ?? '');
  const ignore: Record<string, boolean> = {};
  for (const name of ['content-length', 'content-type', 'x-amz-security-token'])
    if (!signed.includes(name)) ignore[name] = true;
  const recomputed = aws4.sign(
    {
      host: headers.host,
      method: request.method,
      path: request.path,
      headers,
      body: request.body.toString('utf8'),
      service: 'ses',
      region,
      extraHeadersToIgnore: ignore,
    } as aws4.Request,
    { accessKeyId, secretAccessKey: sesSecretOf(accessKeyId) },
  );
  const expected = (recomputed.headers as Record<string, string>).Authorization;
  if (expected !== request.headers.authorization) {
    return sesError(
      403,
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  }
  return undefined;
}
