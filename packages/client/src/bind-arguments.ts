import { ValueCodecError } from './errors.js';
import type { ParamSpec } from './client.js';

/**
 * Maps the parameters of a generated method to Python `args`/`kwargs`. `values` holds,
 * in order: one value per positional-or-keyword parameter (`undefined` = not given, the
 * Python default applies), then the `*args` array if the method has one, then the
 * keyword-only object if it has keyword-only parameters, then the `**kwargs` object.
 *
 * Positional values go in `args` up to the first one not given; later ones are sent
 * by name (so `f(1, undefined, 3)` binds `c=3` and leaves `b` at its default).
 */
export function bindArguments(
  params: readonly ParamSpec[],
  values: readonly unknown[],
): { args: unknown[]; kwargs: { [name: string]: unknown } } {
  const positional = params.filter((p) => p.mode === 'positional-or-keyword');
  const hasVarPositional = params.some((p) => p.mode === 'var-positional');
  const hasKeywordOnly = params.some((p) => p.mode === 'keyword-only');
  const hasVarKeyword = params.some((p) => p.mode === 'var-keyword');
  let i = positional.length;
  const rest = hasVarPositional ? ((values[i++] as readonly unknown[] | undefined) ?? []) : [];
  const keywordOnly = hasKeywordOnly ? ((values[i++] as { [name: string]: unknown } | undefined) ?? {}) : {};
  const extra = hasVarKeyword ? ((values[i++] as { [name: string]: unknown } | undefined) ?? {}) : {};

  const args: unknown[] = [];
  // No prototype: a parameter named `__proto__` is then set as a key, not as the prototype.
  const kwargs: { [name: string]: unknown } = Object.create(null) as { [name: string]: unknown };
  let gap = false;
  positional.forEach((param, j) => {
    const value = values[j];
    if (value === undefined) {
      gap = true;
    } else if (!gap) {
      args.push(value);
    } else if (rest.length > 0) {
      throw new ValueCodecError('encode', param.name, `cannot leave an earlier parameter out when passing *args; give every parameter before them`);
    } else {
      kwargs[param.name] = value;
    }
  });
  if (rest.length > 0) {
    if (gap) throw new ValueCodecError('encode', 'args', 'give every positional parameter when passing *args');
    args.push(...rest);
  }
  for (const [name, value] of Object.entries(keywordOnly)) if (value !== undefined) kwargs[name] = value;
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) kwargs[name] = value;
  return { args, kwargs };
}
