import type { BackendSettings } from './backend.js';

/** Flat overrides, as the CLI and `BackendBuildOptions.config` pass them. */
export type SettingOverrides = { readonly [name: string]: string | number | boolean | undefined };

/**
 * Typed reads of a backend's overrides. Each returns `undefined` when the setting was not
 * given (so `reader.integer('x') ?? default` keeps the default), and throws the backend's
 * own error, naming the setting, the allowed values and what was given, when it is invalid.
 */
export interface SettingsReader {
  /** The value as text. With `format`, it must match `format.pattern`, described as `format.expected`. */
  text(key: string, format?: { pattern: RegExp; expected: string }): string | undefined;
  /** A whole number, at least the setting's `min` (or `range.min`), at most `range.max`. */
  integer(key: string, range?: { min?: number; max?: number }): number | undefined;
  /** `true` or `false`. */
  boolean(key: string): boolean | undefined;
  /** One of `allowed`. */
  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined;
  /** Comma-separated names, blanks dropped. */
  list(key: string): string[] | undefined;
  /**
   * Every declared setting that was given, each read by its declared type: integers up to
   * `options.max[key]` (else the largest exact one, 2^53 - 1), strings in `options.format`
   * (if given).
   * For a backend whose settings map one to one onto its configuration's fields.
   */
  given(options?: { max?: { readonly [key: string]: number }; format?: { pattern: RegExp; expected: string } }): { [key: string]: string | number | boolean | string[] };
}

/**
 * A reader of `overrides` against the settings a backend declares. It first refuses any
 * key that is not declared, listing the known ones, so a typo never passes silently.
 * `fail` makes the backend's error (e.g. `FlinkConfigError`) from a message.
 */
export function readSettings(settings: BackendSettings, overrides: SettingOverrides, fail: (message: string) => Error): SettingsReader {
  for (const key of Object.keys(overrides)) {
    if (overrides[key] !== undefined && !Object.hasOwn(settings, key)) {
      throw fail(`unknown setting '${key}' (known: ${Object.keys(settings).join(', ')})`);
    }
  }
  const given = (key: string): string | undefined => {
    const value = Object.hasOwn(overrides, key) ? overrides[key] : undefined;
    return value === undefined ? undefined : String(value);
  };
  return {
    text(key, format) {
      const value = given(key);
      if (value !== undefined && format && !format.pattern.test(value)) throw fail(`${key} must be ${format.expected} (got '${value}')`);
      return value;
    },
    integer(key, range = {}) {
      const value = given(key);
      if (value === undefined) return undefined;
      const min = range.min ?? settings[key]?.min ?? 0;
      const max = range.max;
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < min || (max !== undefined && n > max)) {
        throw fail(max === undefined ? `${key} must be a whole number >= ${min} (got '${value}')` : `${key} must be a whole number from ${min} to ${max} (got '${value}')`);
      }
      return n;
    },
    boolean(key) {
      const value = given(key);
      if (value === undefined) return undefined;
      if (value !== 'true' && value !== 'false') throw fail(`${key} must be true or false (got '${value}')`);
      return value === 'true';
    },
    oneOf(key, allowed) {
      const value = given(key);
      if (value === undefined) return undefined;
      if (!(allowed as readonly string[]).includes(value)) throw fail(`${key} must be ${allowed.join(' or ')} (got '${value}')`);
      return value as (typeof allowed)[number];
    },
    list(key) {
      const value = given(key);
      return value === undefined ? undefined : value.split(',').map((item) => item.trim()).filter(Boolean);
    },
    given(options = {}) {
      const out: { [key: string]: string | number | boolean | string[] } = {};
      for (const [key, setting] of Object.entries(settings)) {
        const value =
          setting.type === 'integer'
            ? this.integer(key, { max: options.max?.[key] ?? Number.MAX_SAFE_INTEGER })
            : setting.type === 'boolean'
              ? this.boolean(key)
              : setting.type === 'list'
                ? this.list(key)
                : this.text(key, options.format);
        if (value !== undefined) out[key] = value;
      }
      return out;
    },
  };
}
