export { irSchema } from './ir-schema.js';
export { eventSchema } from './event-schema.js';
export { clientAccessSchema } from './client-access-schema.js';
export type { JsonSchema } from './json-schema.js';
