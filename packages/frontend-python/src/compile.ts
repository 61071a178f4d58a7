import type { Diagnostic, Program } from '@stateflow/ir';
import { buildMethodCfg } from './cfg/index.js';
import { makeDiagnostic } from './diagnostics/define.js';
import { ParseDiagnostics } from './diagnostics/parse.js';
import { emitProgram } from './emit/index.js';
import { analyzeLiveness } from './liveness/index.js';
import { lowerModule, type MethodModel } from './lower/index.js';
import { parsePython } from './parse/index.js';
import { splitMethod, type SplitMethod } from './split/index.js';

/** Options of {@link compile}. */
export interface CompileOptions {
  /** Path of the source file, used in spans and messages. */
  path: string;
  /**
   * Name the kernel registers the compiled module under.
   * @default the file name of `path` without its extension
   */
  moduleName?: string;
}

/** The result of {@link compile}: a program when there are no errors, and every diagnostic. */
export interface CompileResult {
  program?: Program;
  diagnostics: Diagnostic[];
}

/**
 * Compiles a Python module of `@stateflow` classes to a StateFlow {@link Program}.
 * Problems in the source are returned as diagnostics, never thrown.
 *
 * @example
 * const { program, diagnostics } = await compile(source, { path: 'app.py' });
 */
export async function compile(source: string, options: CompileOptions): Promise<CompileResult> {
  try {
    return await compileUnchecked(source, options);
  } catch (e) {
    // Never throw on user input: a compiler bug becomes one diagnostic.
    const what = e instanceof Error ? e.message : String(e);
    return {
      diagnostics: [
        makeDiagnostic(ParseDiagnostics.InternalError, { what }, { file: options.path, line: 1, column: 1, endLine: 1, endColumn: 1 }),
      ],
    };
  }
}

async function compileUnchecked(source: string, options: CompileOptions): Promise<CompileResult> {
  const parsed = await parsePython(source, options.path);
  // An error tree would only produce follow-up noise: stop at syntax errors.
  if (parsed.diagnostics.length > 0) return { diagnostics: parsed.diagnostics };
  const { file } = parsed;
  const diagnostics: Diagnostic[] = [];
  const model = lowerModule(file, diagnostics);
  const splits = new Map<MethodModel, SplitMethod>();
  for (const entity of model.entities) {
    for (const method of entity.methods.values()) {
      if (!method.split || method.role !== 'method') continue;
      const cfg = buildMethodCfg(file, entity, method, diagnostics);
      if (cfg) splits.set(method, splitMethod(file, cfg, analyzeLiveness(cfg)));
    }
  }
  diagnostics.sort((a, b) => (a.span?.line ?? 0) - (b.span?.line ?? 0) || (a.span?.column ?? 0) - (b.span?.column ?? 0));
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  const moduleName = options.moduleName ?? moduleNameOf(options.path);
  return { program: emitProgram({ file, model, splits, moduleName }), diagnostics };
}

/** `src/app.py` → `app`. */
function moduleNameOf(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  return base.replace(/\.[^.]*$/, '') || 'main';
}
