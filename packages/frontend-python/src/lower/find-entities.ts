import type { Diagnostic } from '@stateflow/ir';
import { makeDiagnostic } from '../diagnostics/define.js';
import { LowerDiagnostics } from '../diagnostics/lower.js';
import { isKind } from '../parse/node-kind.js';
import { fieldOf, fieldsOf, namedChildren, spanOf, textOf, walk, type PyNode, type SourceFile } from '../parse/syntax-node.js';

/** A top-level `@stateflow` class found in the module. */
export interface FoundEntity {
  name: string;
  classNode: PyNode;
  nameNode: PyNode;
}

/** How the module imports the decorator. */
interface ImportedNames {
  /** Names bound to the decorator itself (`from stateflow import stateflow [as sf]`). */
  decorator: Set<string>;
  /** Names bound to the module (`import stateflow [as s]`). */
  module: Set<string>;
}

/**
 * Finds the entity classes at the top level of the module: decorated with `@stateflow`
 * (or `@stateflow.stateflow`), or registered after their definition by a top-level call
 * `stateflow(Name)` / `Name = stateflow(Name)` (the decorator called as a function, which
 * is the same thing in Python). Also reports nested entity classes, a decorator that was
 * never imported, a registration call that names no class, and reserved `__sf_` names.
 */
export function findEntities(file: SourceFile, diagnostics: Diagnostic[]): FoundEntity[] {
  const imported = findImports(file);
  const found: FoundEntity[] = [];
  const seen = new Set<string>();
  const reported = new Set<string>();
  const registered: FoundEntity[] = [];
  walk(file.root, (n) => {
    if (isKind(n, 'call')) {
      const verdict = classify(file, fieldOf(n, 'function'), imported);
      if (verdict === 'other') return;
      const entity = registeredClass(file, n);
      if (!entity) {
        const call = `${textOf(file, fieldOf(n, 'function')!)}(...)`;
        diagnostics.push(makeDiagnostic(LowerDiagnostics.StateflowCallWithoutClass, { call }, spanOf(file, n)));
        return;
      }
      if (verdict === 'not-imported') {
        const form = `${textOf(file, fieldOf(n, 'function')!)}(...)`;
        diagnostics.push(makeDiagnostic(LowerDiagnostics.StateflowNotImported, { entity: entity.name, form }, spanOf(file, n)));
      }
      registered.push(entity);
      return;
    }
    if (isKind(n, 'identifier')) {
      const name = textOf(file, n);
      if (name.startsWith('__sf_') && !reported.has(name)) {
        reported.add(name);
        diagnostics.push(makeDiagnostic(LowerDiagnostics.ReservedName, { name }, spanOf(file, n)));
      }
      return;
    }
    if (!isKind(n, 'decorated_definition')) return;
    const def = fieldOf(n, 'definition');
    if (!def || !isKind(def, 'class_definition')) return;
    const decorators = n.children.filter((c) => isKind(c, 'decorator'));
    const marked = decorators
      .map((d) => ({ d, verdict: classify(file, namedChildren(d)[0] ?? null, imported) }))
      .find((v) => v.verdict !== 'other');
    if (!marked) return;
    const nameNode = fieldOf(def, 'name')!;
    const name = textOf(file, nameNode);
    if (marked.verdict === 'not-imported') {
      const form = '@' + textOf(file, namedChildren(marked.d)[0]!);
      diagnostics.push(
        makeDiagnostic(LowerDiagnostics.StateflowNotImported, { entity: name, form }, spanOf(file, nameNode)),
      );
    }
    if (n.parent !== file.root) {
      diagnostics.push(
        makeDiagnostic(LowerDiagnostics.NestedEntityClass, { entity: name }, spanOf(file, nameNode)),
      );
      return;
    }
    if (seen.has(name)) {
      diagnostics.push(
        makeDiagnostic(LowerDiagnostics.DuplicateEntity, { entity: name }, spanOf(file, nameNode)),
      );
      return;
    }
    seen.add(name);
    found.push({ name, classNode: def, nameNode });
  });
  // Registering a decorated class again changes nothing (the decorator is the identity).
  for (const entity of registered) {
    if (seen.has(entity.name)) continue;
    seen.add(entity.name);
    found.push(entity);
  }
  return found.sort((a, b) => a.classNode.start - b.classNode.start);
}

/**
 * The class a registration call `stateflow(Name)` names, when it is a top-level statement
 * (`stateflow(Name)` or `Target = stateflow(Name)`) and `Name` is a class defined at the
 * top level before it; else null.
 */
function registeredClass(file: SourceFile, call: PyNode): FoundEntity | null {
  let statement = call.parent;
  if (isKind(statement, 'assignment') && call.field === 'right') statement = statement.parent;
  if (!isKind(statement, 'expression_statement') || statement.parent !== file.root) return null;
  const args = namedChildren(fieldOf(call, 'arguments')!);
  if (args.length !== 1 || !isKind(args[0]!, 'identifier')) return null;
  const name = textOf(file, args[0]!);
  let entity: FoundEntity | null = null;
  for (const stmt of file.root.children) {
    if (stmt.start >= call.start) break;
    const def = isKind(stmt, 'decorated_definition') ? fieldOf(stmt, 'definition') : stmt;
    if (!isKind(def, 'class_definition')) continue;
    const nameNode = fieldOf(def, 'name')!;
    // The last definition before the call is the one it registers.
    if (textOf(file, nameNode) === name) entity = { name, classNode: def, nameNode };
  }
  return entity;
}

function findImports(file: SourceFile): ImportedNames {
  const names: ImportedNames = { decorator: new Set(), module: new Set() };
  for (const stmt of file.root.children) {
    if (isKind(stmt, 'import_from_statement')) {
      const mod = fieldOf(stmt, 'module_name');
      if (!mod || textOf(file, mod) !== 'stateflow') continue;
      for (const item of fieldsOf(stmt, 'name')) {
        if (isKind(item, 'dotted_name') && textOf(file, item) === 'stateflow') names.decorator.add('stateflow');
        if (isKind(item, 'aliased_import') && textOf(file, fieldOf(item, 'name')!) === 'stateflow') {
          names.decorator.add(textOf(file, fieldOf(item, 'alias')!));
        }
      }
    } else if (isKind(stmt, 'import_statement')) {
      for (const item of fieldsOf(stmt, 'name')) {
        if (isKind(item, 'dotted_name') && textOf(file, item) === 'stateflow') names.module.add('stateflow');
        if (isKind(item, 'aliased_import') && textOf(file, fieldOf(item, 'name')!) === 'stateflow') {
          names.module.add(textOf(file, fieldOf(item, 'alias')!));
        }
      }
    }
  }
  return names;
}

/** Whether `expr` (a decorator's expression, or the function of a call) is the `stateflow` decorator. */
function classify(
  file: SourceFile,
  expr: PyNode | null,
  imported: ImportedNames,
): 'entity' | 'not-imported' | 'other' {
  if (!expr) return 'other';
  if (isKind(expr, 'identifier')) {
    const name = textOf(file, expr);
    if (imported.decorator.has(name)) return 'entity';
    return name === 'stateflow' ? 'not-imported' : 'other';
  }
  if (isKind(expr, 'attribute')) {
    const obj = fieldOf(expr, 'object')!;
    const attr = textOf(file, fieldOf(expr, 'attribute')!);
    if (attr !== 'stateflow' || !isKind(obj, 'identifier')) return 'other';
    const mod = textOf(file, obj);
    if (imported.module.has(mod)) return 'entity';
    return mod === 'stateflow' ? 'not-imported' : 'other';
  }
  return 'other';
}
