import { IR_VERSION } from './version.js';

/** A parsed `MAJOR.MINOR.PATCH` version. */
export interface IrVersion {
  major: number;
  minor: number;
  patch: number;
}

const VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const PARTIAL = /^(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?$/;

/** Parses an `irVersion` such as `0.1.0`; `undefined` if it is not `MAJOR.MINOR.PATCH`. */
export function parseIrVersion(version: string): IrVersion | undefined {
  const m = VERSION.exec(version);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

function compare(a: IrVersion, b: IrVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** Whether `v` satisfies one comparator: `^X[.Y[.Z]]`, `X.Y.Z` (exact) or `*`. */
function satisfies(v: IrVersion, comparator: string): boolean {
  if (comparator === '*') return true;
  const caret = comparator.startsWith('^');
  const m = PARTIAL.exec(caret ? comparator.slice(1) : comparator);
  if (!m) return false;
  const parts = [m[1], m[2], m[3]].filter((p): p is string => p !== undefined).map(Number);
  const low: IrVersion = { major: parts[0] ?? 0, minor: parts[1] ?? 0, patch: parts[2] ?? 0 };
  if (!caret) {
    // A bare `1` or `1.2` means every version with that prefix, as in npm.
    if (parts.length === 3) return compare(v, low) === 0;
    return v.major === low.major && (parts.length < 2 || v.minor === low.minor);
  }
  if (compare(v, low) < 0) return false;
  // npm caret: the first non-zero part of those given may not change.
  if (low.major > 0 || parts.length === 1) return v.major === low.major;
  if (low.minor > 0 || parts.length === 2) return v.major === 0 && v.minor === low.minor;
  return v.major === 0 && v.minor === 0 && v.patch === low.patch;
}

/**
 * Whether an `irVersion` satisfies a version range, with npm semantics for the small
 * subset backends need: caret ranges (`^0.1` = `>=0.1.0 <0.2.0`, `^1` = `>=1.0.0 <2.0.0`,
 * `^1.2.3` = `>=1.2.3 <2.0.0`), exact versions (`0.1.0`), prefixes (`1`, `1.2`), `*`,
 * and alternatives joined by `||`. An unparsable version or range is never compatible.
 *
 * @example isIrVersionCompatible('0.1.0', '^0.1') // true
 * @example isIrVersionCompatible('0.2.0', '^0.1') // false
 */
export function isIrVersionCompatible(version: string, range: string): boolean {
  const v = parseIrVersion(version.trim());
  if (!v) return false;
  return range
    .split('||')
    .map((part) => part.trim())
    .some((part) => part.length > 0 && satisfies(v, part));
}

/**
 * The range of `irVersion`s this build of `@stateflow/ir` reads: the caret range of
 * {@link IR_VERSION}; for a `0.x` version, every earlier `0.y` minor from `0.1` too,
 * since each added only optional fields (`^0.1 || ^0.2` for `0.2.1`).
 */
export const SUPPORTED_IR_RANGE: string = (() => {
  const v = parseIrVersion(IR_VERSION);
  if (!v) throw new Error(`IR_VERSION '${IR_VERSION}' is not MAJOR.MINOR.PATCH`);
  if (v.major > 0) return `^${v.major}`;
  const minors: string[] = [];
  for (let m = Math.min(1, v.minor); m <= v.minor; m++) minors.push(`^0.${m}`);
  return minors.join(' || ');
})();
