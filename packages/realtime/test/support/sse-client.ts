// A real SSE client over fetch's streaming body: parses events (and comment lines) as the
// WHATWG parser does, and hands them out one at a time.

export interface SseEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

export interface SseClient {
  readonly status: number;
  /** The next event (comments skipped), or `undefined` when the stream ended. */
  next(): Promise<SseEvent | undefined>;
  /** Resolves at the next comment line. */
  comment(): Promise<string>;
  /** The last id seen. */
  readonly lastId: string | undefined;
  close(): void;
  /** Body text of a refusal. */
  text(): Promise<string>;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let waiting: (() => void) | undefined;
  let ended = false;
  let lastId: string | undefined;
  const wake = () => {
    const w = waiting;
    waiting = undefined;
    w?.();
  };
  if (response.status === 200 && response.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      let fields: { id?: string; event?: string; data: string[] } = { data: [] };
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let cut = buffer.indexOf('\n');
          while (cut >= 0) {
            const line = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 1);
            cut = buffer.indexOf('\n');
            if (line === '') {
              if (fields.data.length > 0 || fields.event) {
                if (fields.id !== undefined) lastId = fields.id;
                events.push({ id: fields.id, event: fields.event ?? 'message', data: fields.data.join('\n') });
              }
              fields = { data: [] };
            } else if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else {
              const colon = line.indexOf(':');
              const name = line.slice(0, colon);
              const value = line.slice(colon + 1).replace(/^ /, '');
              if (name === 'data') fields.data.push(value);
              else if (name === 'id') fields.id = value;
              else if (name === 'event') fields.event = value;
            }
          }
          wake();
        }
      } catch {
        // aborted by close()
      }
      ended = true;
      wake();
    })();
  } else ended = true;

  const until = async (ready: () => boolean) => {
    while (!ready() && !ended) await new Promise<void>((resolve) => (waiting = resolve));
  };
  return {
    status: response.status,
    async next() {
      await until(() => events.length > 0);
      return events.shift();
    },
    async comment() {
      await until(() => comments.length > 0);
      const c = comments.shift();
      if (c === undefined) throw new Error('stream ended before a comment');
      return c;
    },
    get lastId() {
      return lastId;
    },
    close: () => controller.abort(),
    text: () => response.text(),
  };
}
