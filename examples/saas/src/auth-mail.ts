import type { AuthTokenMessage } from '@keel/adapter-auth';
import type { MailStore } from './mail-store.js';

export const sender = 'Keel SaaS <no-reply@saas.example>';

/** The page each kind of message links to, and what it says. */
const templates: Record<AuthTokenMessage['kind'], { path: string; subject: string; text: (link: string) => string }> = {
  'email-verification': {
    path: '/verify',
    subject: 'Confirm your email for Keel SaaS',
    text: (link) => `Please confirm this address for your Keel SaaS account, then log in:\n\n${link}\n`,
  },
  'password-reset': {
    path: '/reset',
    subject: 'Reset your Keel SaaS password',
    text: (link) =>
      `Someone asked to reset the password of your Keel SaaS account. Choose a new one here:\n\n${link}\n\n` +
      'If it was not you, ignore this email: your password stays the same.\n',
  },
  'account-exists': {
    path: '/reset',
    subject: 'Someone tried to sign up for Keel SaaS with your email',
    text: (link) =>
      'Someone, maybe you, tried to create a Keel SaaS account with this address, which already has one. ' +
      `If it was you, log in instead, or choose a new password if you forgot it:\n\n${link}\n\n` +
      'If it was not you, ignore this email: nothing changed.\n',
  },
};

/**
 * Auth's `deliverToken` hook: each verification link, reset link and `account-exists` notice
 * becomes a mail in the transactional outbox, recorded as the mail of the user auth names
 * (`message.userId`, the owner of the address). It is given to auth before the outbox exists,
 * so it is wired with `attach` once the app is up.
 *
 * @example
 * const authMail = createAuthMail();
 * createKeel({ ...config, auth: { adapter: 'local', options: { deliverToken: authMail.deliverToken } } });
 * authMail.attach(mailStore, () => 'http://127.0.0.1:3000');
 */
export function createAuthMail() {
  let target: { mail: MailStore; baseUrl: () => string } | undefined;
  return {
    attach(mail: MailStore, baseUrl: () => string): void {
      target = { mail, baseUrl };
    },
    deliverToken: async (message: AuthTokenMessage): Promise<void> => {
      // Auth calls this in the background (`mail.delivery`), so its cost never shows in an answer.
      if (!target) throw new Error(`auth mail (${message.kind}) before the app is up`);
      const template = templates[message.kind];
      const link = `${target.baseUrl()}${template.path}?token=${encodeURIComponent(message.token)}`;
      await target.mail.send(message.userId, {
        from: sender,
        to: [message.email],
        subject: template.subject,
        text: template.text(link),
        tags: [`auth-${message.kind}`],
      });
    },
  };
}
