import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { DeliveredEmail } from '@keel/testing';
import type { ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { deliveredFromParsed, parseEml } from './parsed-email.js';

export const testCert = readFileSync(new URL('../fixtures/localhost-cert.pem', import.meta.url), 'utf8');
const testKey = readFileSync(new URL('../fixtures/localhost-key.pem', import.meta.url), 'utf8');

export interface SmtpReceived {
  readonly user: string | undefined;
  readonly mailFrom: string;
  readonly rcptTo: readonly string[];
  readonly secure: boolean;
  readonly raw: Buffer;
  readonly parsed: ParsedMail;
  readonly delivered: DeliveredEmail;
}

/** The password the fake expects for a user. */
export const smtpPasswordOf = (user: string) => `pw-${user}`;

/**
 * A real SMTP server (the `smtp-server` package) on 127.0.0.1 that parses what it receives with
 * mailparser. `mode`: `starttls` (offers STARTTLS with a self-signed localhost certificate),
 * `tls` (TLS from the first byte) or `plain` (no TLS). Users authenticate with
 * `smtpPasswordOf(user)`. Recipients script replies: `reject-550@…` (550 5.1.1), `defer-450@…`
 * (450 4.2.1), `slow-421@…` (421 4.7.0 rate limited), `busy-452@…` (452 4.5.3 too many recipients).
 */
export async function startSmtpFake(mode: 'starttls' | 'tls' | 'plain', options: Partial<SMTPServerOptions> = {}) {
  const received: SmtpReceived[] = [];
  let connections = 0;
  const server = new SMTPServer({
    secure: mode === 'tls',
    ...(mode === 'plain' ? { disabledCommands: ['STARTTLS'] } : { key: testKey, cert: testCert }),
    allowInsecureAuth: mode === 'plain',
    authMethods: ['PLAIN', 'LOGIN'],
    size: 30 * 1024 * 1024,
    logger: false,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onAuth(auth, _session, callback) {
      if (auth.username && auth.password === smtpPasswordOf(auth.username))
        return callback(null, { user: auth.username });
      callback(Object.assign(new Error('Authentication credentials invalid'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      const scripted = /^(reject-550|defer-450|slow-421|busy-452)@/.exec(address.address)?.[1];
      const replies: Record<string, [number, string]> = {
        'reject-550': [550, '5.1.1 <%s>: Recipient address rejected: User unknown'],
        'defer-450': [450, '4.2.1 <%s>: Mailbox temporarily unavailable'],
        'slow-421': [421, '4.7.0 Too many messages, rate limited; try again later'],
        'busy-452': [452, '4.5.3 Too many recipients'],
      };
      if (!scripted) return callback();
      const [code, text] = replies[scripted] as [number, string];
      callback(Object.assign(new Error(text.replace('%s', address.address)), { responseCode: code }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          return callback(
            Object.assign(new Error('5.3.4 Message exceeds fixed maximum message size'), { responseCode: 552 }),
          );
        }
        const raw = Buffer.concat(chunks);
        void parseEml(raw).then((parsed) => {
          const rcptTo = session.envelope.rcptTo.map((r) => r.address);
          const visible = new Set([...toList(parsed.to), ...toList(parsed.cc)]);
          received.push({
            user: session.user as string | undefined,
            mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            rcptTo,
            secure: session.secure,
            raw,
            parsed,
            delivered: deliveredFromParsed(parsed, { bcc: rcptTo.filter((r) => !visible.has(r)) }),
          });
          callback(null, `2.0.0 Ok: queued as ${received.length}`);
        }, callback);
      });
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    get connections() {
      return connections;
    },
    delivered: (user: string): DeliveredEmail[] => received.filter((r) => r.user === user).map((r) => r.delivered),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function toList(field: ParsedMail['to']): string[] {
  const list = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return list.flatMap((o) => o.value.map((a) => a.address ?? ''));
}
