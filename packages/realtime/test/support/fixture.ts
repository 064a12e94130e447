import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Messaging } from '@keel/core';
import { createRealtimeHandler, type RealtimeHandler, type RealtimeOptions } from '../../src/index.js';

/** The consumers the handler created, read back from the adapter's calls (the adapter itself is real). */
export interface Recorded {
  readonly consumers: { subject: string; name: string }[];
}

/**
 * Watches `ensureConsumer` on a real adapter, so that a test can ask the adapter afterwards
 * whether the consumer the handler made is still there.
 */
export function recording(messaging: Messaging): Messaging & Recorded {
  const consumers: { subject: string; name: string }[] = [];
  // The adapter is frozen: a copy of its (closure) methods with ensureConsumer watched.
  return {
    ...messaging,
    consumers,
    ensureConsumer: (config: Parameters<Messaging['ensureConsumer']>[0]) => {
      consumers.push({ subject: config.subject, name: config.name });
      return messaging.ensureConsumer(config);
    },
  };
}

export interface Fixture {
  readonly base: string;
  readonly realtime: RealtimeHandler;
  close(): Promise<void>;
}

/**
 * A real HTTP server with the handler at `/events`; the user is the `x-user` header and may read
 * `workspace.<id>.>` for each id in `x-workspaces` (the shape of the example's grant).
 */
export async function startFixture(messaging: Messaging, options: Partial<RealtimeOptions> = {}): Promise<Fixture> {
  const realtime = createRealtimeHandler({
    messaging,
    authorize: (req) => {
      const user = req.headers['x-user'];
      if (typeof user !== 'string') return { refuse: 401 };
      const ids = String(req.headers['x-workspaces'] ?? '')
        .split(',')
        .filter(Boolean);
      return { user, subjects: ids.map((id) => `workspace.${id}.>`) };
    },
    ...options,
  });
  const server: Server = createServer((req, res) => void realtime.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  return {
    base,
    realtime,
    async close() {
      await realtime.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
