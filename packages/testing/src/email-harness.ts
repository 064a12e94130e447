import type { Email, EmailAddress } from '@keel/core';
import type { EmailCapabilities } from '@keel/core';
import type { ConformanceOptions, TestContext } from './harness.js';
import { Harness } from './harness.js';

/** A message as the provider's end received it, in one shape whatever the provider. */
export interface DeliveredEmail {
  readonly from: EmailAddress;
  readonly to: readonly EmailAddress[];
  readonly cc: readonly EmailAddress[];
  /** Addresses only: bcc never appears in headers, only in the envelope or API request. */
  readonly bcc: readonly string[];
  readonly replyTo: readonly EmailAddress[];
  readonly subject: string;
  readonly text?: string;
  readonly html?: string;
  readonly attachments: readonly { filename: string; contentType: string; content: Uint8Array; contentId?: string }[];
  /** Extra headers, names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly tags: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
}

export interface EmailConformanceOptions extends ConformanceOptions<Email, EmailCapabilities> {
  /** What the provider's end (a local server, an SMTP server, the outbox) received for this instance, oldest first. */
  readonly delivered: (context: TestContext) => Promise<readonly DeliveredEmail[]>;
  /** The adapter's recipient limit, to test that core refuses one more. @default 1000 */
  readonly maxRecipients?: number;
}

export class EmailHarness extends Harness<Email, EmailCapabilities> {
  declare readonly options: EmailConformanceOptions;
}
