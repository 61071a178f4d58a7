import type { Program } from './program.js';

/**
 * The program's module name as a name engines accept (`[A-Za-z0-9-]`, runs of anything else
 * as one '-', none at the ends; `app` for an empty one), for the names a backend derives from
 * it: topics, functions, tables. `lowerCase` for engines whose names are (Kafka topics by
 * convention).
 */
export function programSlug(program: Program, options: { lowerCase?: boolean } = {}): string {
  const name = program.module.name || 'app';
  const slug = (options.lowerCase ? name.toLowerCase().replace(/[^a-z0-9]+/g, '-') : name.replace(/[^A-Za-z0-9]+/g, '-')).replace(/^-+|-+$/g, '');
  return slug || 'app';
}
