import {
  blobstoreLimitsOption,
  boolean,
  clockOption,
  integer,
  option,
  required,
  string,
  text,
} from '@keel/core/adapter';
import * as v from 'valibot';

const MIB = 1024 * 1024;

/**
 * The options of `createS3Blobstore`, declared once: the type, the checks and the README table come from here.
 *
 * @example
 * const options = parseOptions(s3BlobstoreOptions, { region: 'eu-west-1', bucketPrefix: 'myapp-' }, 'createS3Blobstore');
 */
export const s3BlobstoreOptions = v.strictObject({
  region: option(text(), { default: 'us-east-1', description: "The store's region." }),
  endpoint: option(v.pipe(string('expected a URL'), v.url('expected a URL such as http://127.0.0.1:9000')), {
    description: 'The URL of an S3-compatible store (MinIO, R2, s3rver, …); omitted for AWS S3 itself.',
  }),
  forcePathStyle: option(boolean(), {
    default: false,
    description:
      'Address buckets as `endpoint/bucket` rather than `bucket.endpoint`; most S3-compatible stores need `true`.',
  }),
  credentials: option(
    v.strictObject({
      accessKeyId: required(text(), 'The access key id.'),
      secretAccessKey: required(text(), 'The secret access key.'),
      sessionToken: option(text(), { description: 'A session token, with temporary credentials.' }),
    }),
    {
      description:
        "Access keys; omitted, the AWS SDK's default chain finds them (environment, profile, instance role).",
    },
  ),
  bucketPrefix: option(
    v.pipe(
      string(),
      v.regex(
        /^([a-z0-9][a-z0-9-]{0,29})?$/,
        'expected up to 30 lowercase letters, digits and hyphens, starting with a letter or digit',
      ),
    ),
    {
      default: '',
      description:
        "Put before every container name to make its bucket's name (`myapp-` + `exports` → bucket `myapp-exports`); the whole name must stay within 63 characters.",
    },
  ),
  partSizeBytes: option(integer(5 * MIB, 5 * 1024 * MIB), {
    default: 8 * MIB,
    description:
      'A streamed write larger than this is uploaded in parts of this size (multipart upload); smaller ones in one request.',
  }),
  limits: blobstoreLimitsOption,
  clock: clockOption(),
});

/** Options of `createS3Blobstore`. */
export type S3BlobstoreOptions = v.InferInput<typeof s3BlobstoreOptions>;
/** The options with every default filled in. */
export type ResolvedS3BlobstoreOptions = v.InferOutput<typeof s3BlobstoreOptions>;
