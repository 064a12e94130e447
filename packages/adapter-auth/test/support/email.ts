// Where the tests' reset and verification emails go: the dev outbox of @keel/adapter-email
// (`createOutboxEmail`) when that package exports it, otherwise a recorder built with core's
// `defineEmail`; and an email adapter whose provider is down.
import type { Email } from '@keel/core';
import { defineEmail, type NormalizedEmail } from '@keel/core/adapter';

export interface TestEmail {
  readonly email: Email;
  /** What the adapter was given, oldest first. */
  sent(): readonly NormalizedEmail[];
  /** The token in the newest message to `to` whose subject matches; waits a little for background delivery. */
  tokenFor(to: string, subject: RegExp): Promise<string>;
}

const capabilities = { delivers: false, attachments: true, inlineImages: true, customHeaders: true, tags: true };

export async function createTestEmail(): Promise<TestEmail> {
  const mod = (await import('@keel/adapter-email')) as Record<string, unknown>;
  let email: Email;
  let sent: () => readonly NormalizedEmail[];
  if (typeof mod.createOutboxEmail === 'function') {
    const outbox = (mod.createOutboxEmail as () => Email & { messages(): readonly { message: NormalizedEmail }[] })();
    email = outbox;
    sent = () => outbox.messages().map((entry) => entry.message);
  } else {
    const kept: NormalizedEmail[] = [];
    email = defineEmail({
      adapter: 'recording',
      capabilities,
      send(message) {
        kept.push(message);
        return { messageId: `m${kept.length}`, provider: 'recording', accepted: message.to.map((a) => a.email) };
      },
    });
    sent = () => kept;
  }
  return {
    email,
    sent,
    async tokenFor(to, subject) {
      for (let attempt = 0; attempt < 100; attempt++) {
        const message = [...sent()].reverse().find((m) => m.to.some((a) => a.email === to) && subject.test(m.subject));
        const token = message?.text ? /token=([A-Za-z0-9_-]{43})/.exec(message.text)?.[1] : undefined;
        if (token) return token;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`no message to ${to} matching ${subject}`);
    },
  };
}

/** An email adapter whose provider is down: every send fails. */
export function failingEmail(): Email {
  return defineEmail({
    adapter: 'down',
    capabilities,
    send() {
      throw new Error('the provider is down');
    },
  });
}
