import { option } from '@keel/core/adapter';
import * as v from 'valibot';
import { fieldRules, httpUrl, nonBlank, type FieldProblem } from './option-builders.js';
import { reliabilityOptions } from './reliability-options.js';
import type { AwsCredentials } from './sigv4.js';

const REGION = /^[a-z0-9-]+$/;
const regionProblem = 'expected an AWS region such as eu-west-1';

/** Each option that falls back to an AWS environment variable, and whether it must end up set. */
const fromEnv = [
  ['region', 'AWS_REGION', true],
  ['accessKeyId', 'AWS_ACCESS_KEY_ID', true],
  ['secretAccessKey', 'AWS_SECRET_ACCESS_KEY', true],
  ['sessionToken', 'AWS_SESSION_TOKEN', false],
] as const;

const envValue = (variable: string) => process.env[variable]?.trim() || undefined;

const schema = v.pipe(
  v.strictObject({
    region: option(v.pipe(nonBlank(), v.regex(REGION, regionProblem)), {
      defaultText: 'AWS_REGION',
      description: 'The AWS region SES sends from, such as `eu-west-1`; else the `AWS_REGION` environment variable.',
    }),
    accessKeyId: option(nonBlank(), {
      defaultText: 'AWS_ACCESS_KEY_ID',
      description: 'Else the `AWS_ACCESS_KEY_ID` environment variable.',
    }),
    secretAccessKey: option(nonBlank(), {
      defaultText: 'AWS_SECRET_ACCESS_KEY',
      description: 'Else the `AWS_SECRET_ACCESS_KEY` environment variable.',
    }),
    sessionToken: option(nonBlank(), {
      defaultText: 'AWS_SESSION_TOKEN',
      description: 'For temporary credentials; else the `AWS_SESSION_TOKEN` environment variable, if set.',
    }),
    configurationSetName: option(nonBlank(), {
      description: 'A configuration set (event publishing, IP pools).',
    }),
    baseUrl: option(httpUrl(), {
      defaultText: 'https://email.<region>.amazonaws.com',
      description: 'The SES v2 endpoint: a VPC endpoint, a proxy or a test server.',
    }),
    ...reliabilityOptions,
  }),
  fieldRules((o) => {
    const problems: FieldProblem[] = [];
    for (const [field, variable, needed] of fromEnv) {
      if (o[field] !== undefined) continue;
      const value = envValue(variable);
      if (needed && value === undefined) {
        problems.push({ field, problem: `a string, or the ${variable} environment variable` });
      } else if (field === 'region' && value !== undefined && !REGION.test(value)) {
        problems.push({ field, problem: `${regionProblem} (from ${variable})`, input: value });
      }
    }
    return problems;
  }),
  v.transform((o) => {
    const value = (field: (typeof fromEnv)[number][0], variable: string) => o[field] ?? envValue(variable);
    const region = value('region', 'AWS_REGION') as string;
    const sessionToken = value('sessionToken', 'AWS_SESSION_TOKEN');
    const credentials: AwsCredentials = {
      accessKeyId: value('accessKeyId', 'AWS_ACCESS_KEY_ID') as string,
      secretAccessKey: value('secretAccessKey', 'AWS_SECRET_ACCESS_KEY') as string,
      ...(sessionToken === undefined ? {} : { sessionToken }),
    };
    return { ...o, region, credentials, baseUrl: o.baseUrl ?? `https://email.${region}.amazonaws.com` };
  }),
);

type Schema = typeof schema;
/** The schema's type, named so that declarations name it. */
export interface SesOptionsSchema extends Schema {}
/** The options of `createSesEmail` and the `ses` adapter, declared once. */
export const sesOptions: SesOptionsSchema = schema;

/** Options of `createSesEmail`. */
export type SesEmailOptions = v.InferInput<typeof sesOptions>;
/** The options with every default filled in, credentials read from the environment where not given. */
export type ResolvedSesOptions = v.InferOutput<typeof sesOptions>;
