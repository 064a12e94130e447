#!/usr/bin/env node
import { seaCommand, seaUsage } from './sea-command.js';

// The builder on its own (`keel sea` is @keel/cli's, which runs the same command).
const [command, ...rest] = process.argv.slice(2);
if (command !== 'sea') {
  console.error(seaUsage);
  process.exit(command === '--help' || command === '-h' ? 0 : 2);
}
process.exitCode = await seaCommand(rest);
