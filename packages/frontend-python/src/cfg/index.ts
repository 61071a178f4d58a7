import type { Diagnostic } from '@stateflow/ir';
import type { EntityModel, MethodModel } from '../lower/index.js';
import type { SourceFile } from '../parse/syntax-node.js';
import { buildCfg } from './build.js';
import { checkSplitMethod } from './checks.js';
import type { MethodCfg } from './model.js';

export type { MethodCfg, CfgBlock, CfgTerminator, CodeItem, CallArgs } from './model.js';
export type { PyExpr, PyStmt, Replacements } from './code.js';

/**
 * Builds the statement-level control flow graph of a split method, or returns null
 * after reporting SF3xxx diagnostics for constructs the splitter cannot cut yet.
 */
export function buildMethodCfg(
  file: SourceFile,
  entity: EntityModel,
  method: MethodModel,
  diagnostics: Diagnostic[],
): MethodCfg | null {
  if (!checkSplitMethod(file, method, diagnostics)) return null;
  return buildCfg(file, entity, method, diagnostics);
}
