/** A tiny HTTP client for the tests: keeps cookies and sends the CSRF token like the page does. */
export class Client {
  constructor(
    readonly base: string,
    private readonly cookies = new Map<string, string>(),
  ) {}

  /** The same browser, its cookies shared, talking to another server of the app (another process). */
  at(base: string): Client {
    return new Client(base, this.cookies);
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  get csrf(): string | undefined {
    return this.cookies.get('__Host-csrf');
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the example answers.
  ): Promise<{ status: number; body: any; headers: Headers }> {
    const h: Record<string, string> = { ...headers };
    if (this.cookies.size > 0) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ');
    if (method !== 'GET' && this.csrf && !('x-csrf-token' in h)) h['x-csrf-token'] = this.csrf;
    if (body !== undefined && !('content-type' in h)) h['content-type'] = 'application/json';
    const res = await fetch(this.base + path, {
      method,
      headers: h,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = cookie.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = decodeURIComponent(pair.slice(eq + 1).trim());
      const expired = attributes.some(
        (a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1] ?? '') <= Date.now(),
      );
      if (value === '' || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, body: type.includes('json') ? JSON.parse(text) : text, headers: res.headers };
  }

  get(path: string) {
    return this.request('GET', path);
  }

  post(path: string, body: unknown = {}, headers?: Record<string, string>) {
    return this.request('POST', path, body, headers);
  }

  /**
   * What a new user does: signs up, opens the verification link from the dev mailbox (the mail of
   * the account this client signed up), confirms, logs in. Fails when no verification mail comes,
   * which is the case when the address already had an account.
   */
  async signup(
    email: string,
    password = 'plum orbit granite 42',
    workspace?: string,
  ): Promise<{ userId: string; workspaceId: number }> {
    const res = await this.post('/api/signup', workspace ? { email, password, workspace } : { email, password });
    if (res.status !== 202) throw new Error(`signup ${email}: ${res.status} ${JSON.stringify(res.body)}`);
    const token = tokenOf(await this.mailLink(/^Confirm your email/));
    const verified = await this.post('/api/verify-email', { token });
    if (verified.status !== 200)
      throw new Error(`verify ${email}: ${verified.status} ${JSON.stringify(verified.body)}`);
    const login = await this.post('/api/login', { email, password });
    if (login.status !== 200) throw new Error(`login ${email}: ${login.status} ${JSON.stringify(login.body)}`);
    const me = await this.get('/api/me');
    return { userId: login.body.user.id, workspaceId: me.body.workspaces[0].id };
  }

  /** The first link of the newest mail in this client's outbox whose subject matches, once it is there. */
  mailLink(subject: RegExp, timeoutMs?: number): Promise<string> {
    return eventually(async () => {
      const res = await this.get('/api/outbox');
      const messages: { subject: string; links: string[] }[] = res.status === 200 ? res.body.messages : [];
      return messages.find((m) => subject.test(m.subject))?.links[0];
    }, timeoutMs);
  }
}

/** The token of a verification or reset link. */
export function tokenOf(link: string): string {
  return new URL(link).searchParams.get('token') ?? '';
}

let counter = 0;
/** A fresh address for each call. */
export function newEmail(tag = 'user'): string {
  return `${tag}-${process.pid}-${Date.now().toString(36)}-${++counter}@example.test`;
}

/** Polls `check` until it returns a value or `timeoutMs` passes. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('eventually: timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
