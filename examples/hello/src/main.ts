import { fileURLToPath } from 'node:url';
import { memoryKvAdapter } from '@keel/adapter-kv-memory';
import { createKeel, loadConfig } from '@keel/core';
import { runDemo } from './demo.js';

// The config picks among the adapters the app registers; KEEL_* environment variables override
// it (see the README).
const config = await loadConfig(fileURLToPath(new URL('../keel.config.json', import.meta.url)));
const started = await createKeel(config, { adapters: [memoryKvAdapter] });
if (started.isErr()) {
  console.error(started.error.message);
  process.exit(1);
}
const keel = started.value;
console.log(`Keel started: ${keel.instances.map((i) => `${i.interface}.${i.name} on '${i.adapter}'`).join(', ')}`);
await runDemo(keel.kv, (line) => console.log(`• ${line}`));
for (const report of await keel.health())
  console.log(`health ${report.interface}.${report.name}: ${report.ok ? 'ok' : report.error}`);
await keel.close();
