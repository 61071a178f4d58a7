#!/usr/bin/env node
import { runCli } from './main.js';

const code = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
// Exit explicitly: after `serve` stops, nothing else should keep the process alive.
// (stdout/stderr writes to files and pipes are synchronous on POSIX, so nothing is lost.)
process.exit(code);
