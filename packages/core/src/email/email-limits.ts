/** Limits core checks before a message reaches the adapter; each provider declares its own. */
export interface EmailLimits {
  /** To, cc and bcc together. SendGrid: 1000; SES: 50. @default 1000 */
  readonly maxRecipients: number;
  /** The whole message: bodies and attachments, before encoding. @default 20971520 (20 MiB) */
  readonly maxMessageBytes: number;
  /** @default 100 */
  readonly maxAttachments: number;
}

export const defaultEmailLimits: EmailLimits = Object.freeze({
  maxRecipients: 1000,
  maxMessageBytes: 20 * 1024 * 1024,
  maxAttachments: 100,
});
