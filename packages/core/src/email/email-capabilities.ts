/** What an email adapter can do beyond sending a plain message. */
export interface EmailCapabilities {
  /** Really delivers mail (false for the dev outbox). Production config can `require` it. */
  readonly delivers: boolean;
  readonly attachments: boolean;
  /** Attachments with a `contentId`, shown inline in HTML. */
  readonly inlineImages: boolean;
  /** Extra `headers`. */
  readonly customHeaders: boolean;
  /** `tags` and `metadata` reach the provider. */
  readonly tags: boolean;
}

export const emailCapabilityNames = [
  'delivers',
  'attachments',
  'inlineImages',
  'customHeaders',
  'tags',
] as const satisfies readonly (keyof EmailCapabilities)[];
