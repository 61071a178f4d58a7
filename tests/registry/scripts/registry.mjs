#!/usr/bin/env node
// `pnpm -F @stateflow/registry-tests registry`: starts the throwaway local registry,
// publishes every public package into it, prints how to use it, and keeps it running
// until Ctrl-C (then stops it and removes its storage). For trying a release by hand.
import { publishAll, startRegistry } from '../support/registry.mjs';

const log = (m) => console.error(`[registry] ${m}`);
const registry = await startRegistry({ log });
const stop = async () => {
  await registry.stop();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
try {
  publishAll(registry, { log });
} catch (err) {
  console.error(err.message);
  await registry.stop();
  process.exit(1);
}
console.log(`\nregistry: ${registry.url}\nIn a new folder:\n  echo "@stateflow:registry=${registry.url}" > .npmrc\n  npm install @stateflow/cli\n\nCtrl-C stops it.`);
setInterval(() => {}, 1 << 30);
