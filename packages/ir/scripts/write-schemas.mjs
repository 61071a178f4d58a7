// Writes the JSON Schemas, declared as data in src/schema/, to dist/*.schema.json.
// Runs after `tsc -b` (see the `build` script); reads the compiled module.
import { writeFile } from 'node:fs/promises';
import { irSchema, eventSchema } from '../dist/schema/index.js';

const dist = new URL('../dist/', import.meta.url);
await writeFile(new URL('ir.schema.json', dist), `${JSON.stringify(irSchema, null, 2)}\n`);
await writeFile(new URL('event.schema.json', dist), `${JSON.stringify(eventSchema, null, 2)}\n`);
