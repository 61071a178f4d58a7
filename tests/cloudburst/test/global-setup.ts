import { whyNot } from './support.js';

/** Says once per run why the engine tests are skipped, and how to enable them. */
export default function setup(): void {
  const reason = whyNot();
  if (reason !== undefined) console.log(`cloudburst engine tests: skipped: ${reason}`);
}
