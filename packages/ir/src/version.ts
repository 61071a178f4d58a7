/**
 * The IR format version. It is its own semver, independent of the npm version of
 * `@stateflow/ir` (see VERSIONING.md): patch = new optional hint that a reader may
 * ignore without changing what the program does, minor = new optional field or kind,
 * major = removed/renamed kind or field, narrowed type, changed encoding tag.
 */
export const IR_VERSION = '0.2.1';
