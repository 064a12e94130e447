// The load baseline: the example's main read and write endpoints written directly on
// better-sqlite3 and node:http — no sessions, CSRF, rate limit, cache, membership check or Keel.
// The write does what the example's does in SQL: one transaction reading the workspace's task
// counter, checking the plan limit (in JavaScript here), inserting and bumping the counter.
// Usage: node scripts/baseline-server.mjs <sqlite file>   (prints "listening on <url>")
import { createServer } from 'node:http';
import Database from 'better-sqlite3';

const db = new Database(process.argv[2] ?? ':memory:');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`CREATE TABLE IF NOT EXISTS workspaces (id INTEGER PRIMARY KEY, task_count INTEGER NOT NULL DEFAULT 0);
  CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY, workspace_id INTEGER NOT NULL, title TEXT NOT NULL,
  done INTEGER NOT NULL DEFAULT 0, created_by TEXT NOT NULL, created_at INTEGER NOT NULL, completed_at INTEGER);
  CREATE INDEX IF NOT EXISTS tasks_workspace ON tasks (workspace_id, id);`);
const maxTasks = Number(process.env.MAX_TASKS ?? 1e8);
const list = db.prepare(
  'SELECT id, workspace_id AS workspaceId, title, done, created_at AS createdAt, completed_at AS completedAt FROM tasks WHERE workspace_id = ? ORDER BY id',
);
const insert = db.prepare('INSERT INTO tasks (workspace_id, title, created_by, created_at) VALUES (?, ?, ?, ?)');
const ensureWorkspace = db.prepare('INSERT OR IGNORE INTO workspaces (id) VALUES (?)');
const taskCount = db.prepare('SELECT task_count FROM workspaces WHERE id = ?').pluck();
const bump = db.prepare('UPDATE workspaces SET task_count = task_count + 1 WHERE id = ?');
const createTask = db.transaction((workspaceId, title, now) => {
  ensureWorkspace.run(workspaceId);
  if (taskCount.get(workspaceId) >= maxTasks) return undefined;
  const r = insert.run(workspaceId, title, 'user', now);
  bump.run(workspaceId);
  return r;
});

const send = (res, status, body) => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
};

const server = createServer((req, res) => {
  const match = /^\/api\/workspaces\/(\d+)\/tasks$/.exec(req.url ?? '');
  if (!match) return send(res, 404, { error: { code: 'NOT_FOUND' } });
  const workspaceId = Number(match[1]);
  if (req.method === 'GET')
    return send(res, 200, { tasks: list.all(workspaceId).map((t) => ({ ...t, done: t.done === 1 })) });
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const { title } = JSON.parse(Buffer.concat(chunks).toString() || '{}');
    if (typeof title !== 'string' || !title) return send(res, 400, { error: { code: 'INVALID_ARGUMENT' } });
    const now = Date.now();
    const r = createTask.immediate(workspaceId, title, now);
    if (!r) return send(res, 403, { error: { code: 'PLAN_LIMIT_REACHED' } });
    send(res, 201, {
      task: { id: Number(r.lastInsertRowid), workspaceId, title, done: false, createdAt: now, completedAt: null },
    });
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () =>
  console.log(`listening on http://127.0.0.1:${server.address().port}`),
);
process.on('SIGTERM', () =>
  server.close(() => {
    db.close();
    process.exit(0);
  }),
);
