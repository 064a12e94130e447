import { KeelOptionsError, readOptions, type AdapterContext } from '@keel/core/adapter';
import { readBaseUrl, readReliability, type EmailReliabilityOptions, type Reliability } from './reliability-options.js';
import type { AwsCredentials } from './sigv4.js';

/** Options of `createSesEmail`. */
export interface SesEmailOptions extends EmailReliabilityOptions {
  /** The AWS region SES sends from, such as `eu-west-1`. @default process.env.AWS_REGION */
  readonly region?: string;
  /** @default process.env.AWS_ACCESS_KEY_ID */
  readonly accessKeyId?: string;
  /** @default process.env.AWS_SECRET_ACCESS_KEY */
  readonly secretAccessKey?: string;
  /** For temporary credentials. @default process.env.AWS_SESSION_TOKEN */
  readonly sessionToken?: string;
  /** A configuration set (event publishing, IP pools). @default none */
  readonly configurationSetName?: string;
  /** The SES v2 endpoint: a VPC endpoint, a proxy or a test server. @default `https://email.<region>.amazonaws.com` */
  readonly baseUrl?: string;
}

export interface ResolvedSesOptions {
  readonly region: string;
  readonly credentials: AwsCredentials;
  readonly configurationSetName: string | undefined;
  readonly baseUrl: string;
  readonly reliability: Reliability;
}

export function resolveSesOptions(options: SesEmailOptions | undefined, context?: AdapterContext): ResolvedSesOptions {
  const factory = 'createSesEmail';
  const o = readOptions(factory, options);
  const fromEnv = (field: string, variable: string, required: boolean): string | undefined => {
    const value = o.optionalString(field) ?? process.env[variable];
    if (required && (value === undefined || value.trim() === '')) {
      throw new KeelOptionsError(field, `is required (a string, or the ${variable} environment variable)`, factory);
    }
    return value === '' ? undefined : value;
  };
  const region = fromEnv('region', 'AWS_REGION', true) as string;
  if (!/^[a-z0-9-]+$/.test(region))
    throw new KeelOptionsError('region', `expected an AWS region such as eu-west-1, got '${region}'`, factory);
  const accessKeyId = fromEnv('accessKeyId', 'AWS_ACCESS_KEY_ID', true) as string;
  const secretAccessKey = fromEnv('secretAccessKey', 'AWS_SECRET_ACCESS_KEY', true) as string;
  const sessionToken = fromEnv('sessionToken', 'AWS_SESSION_TOKEN', false);
  const configurationSetName = o.optionalString('configurationSetName');
  const baseUrl = readBaseUrl(o, factory, `https://email.${region}.amazonaws.com`);
  const reliability = readReliability(o, factory, context);
  o.done();
  return {
    region,
    credentials:
      sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken },
    configurationSetName,
    baseUrl,
    reliability,
  };
}
