/** A server of the test's own, in a temp folder of its own, on a port of its own. */
export interface PrivateServer {
  /** Where clients connect, e.g. `postgres://postgres@127.0.0.1:PORT/postgres`. */
  readonly url: string;
  readonly port: number;
  /** The server's data folder (PostgreSQL's cluster, Redis's `--dir`). */
  readonly dataDir: string;
  /** The server process's id while it runs, else undefined. */
  readonly pid: number | undefined;
  /** SIGKILLs the server, a crash like the OOM killer's; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Shuts the server down cleanly, then removes its folder unless `keepData`. */
  stop(options?: StopOptions): Promise<void>;
  /**
   * Starts the server again on the same port and data (after `kill()` or `stop({ keepData: true })`;
   * a running server is stopped cleanly first) and resolves once it accepts connections.
   */
  restart(): Promise<void>;
}

export interface StopOptions {
  /** Keep the folder so that `restart()` can start on the same data. @default false */
  readonly keepData?: boolean;
}

/** Options every private server takes. */
export interface PrivateServerOptions {
  /** How long a start or restart may take before it fails with the server's log. @default 20000 */
  readonly timeoutMs?: number;
  /** Extra server settings (PostgreSQL `-c name=value`, Redis `--name value`). */
  readonly settings?: Readonly<Record<string, string | number>>;
}

/** Starts private servers of one kind: what `privatePostgres()` / `privateRedis()` hand out. */
export interface ServerStarter<Options> {
  start(options?: Options): Promise<PrivateServer>;
}
