/**
 * Which npm packages a `--target` names. Backends of this project are
 * `@stateflow/backend-<name>`; anyone else can publish `stateflow-backend-<name>` (the
 * unscoped convention, like eslint-plugin-<name>), or any package at all, given by its
 * full name (`--target @acme/stateflow-backend`).
 */

const SHORT_NAME = /^[a-z][a-z0-9-]*$/;
// npm's rules for a new package name: lower case, URL-safe, at most 214 characters.
const PACKAGE_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

/**
 * The packages `target` may name: a short name (`flink`) tries `@stateflow/backend-flink`
 * then `stateflow-backend-flink`; a scoped name (`@acme/x`) or one starting
 * `stateflow-backend-` is that package exactly. The first one installed is the backend.
 * `undefined` when `target` can be neither a name nor a package.
 */
export function backendPackages(target: string): string[] | undefined {
  if (target.length > 214) return undefined;
  if (target.startsWith('@') || target.startsWith('stateflow-backend-')) {
    return PACKAGE_NAME.test(target) ? [target] : undefined;
  }
  if (!SHORT_NAME.test(target)) return undefined;
  return [`@stateflow/backend-${target}`, `stateflow-backend-${target}`];
}
