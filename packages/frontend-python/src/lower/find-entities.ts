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
 * Finds the `@stateflow` classes at the top level of the module. Also reports nested
 * entity classes, a decorator that was never imported and reserved `__sf_` names.
 */
export function findEntities(file: SourceFile, diagnostics: Diagnostic[]): FoundEntity[] {
  const imported = findImports(file);
  const found: FoundEntity[] = [];
  const seen = new Set<string>();
  const reported = new Set<string>();
  walk(file.root, (n) => {
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
    const verdict = decorators.map((d) => classify(file, d, imported)).find((v) => v !== 'other');
    if (!verdict) return;
    const nameNode = fieldOf(def, 'name')!;
    const name = textOf(file, nameNode);
    if (verdict === 'not-imported') {
      diagnostics.push(
        makeDiagnostic(LowerDiagnostics.StateflowNotImported, { entity: name }, spanOf(file, nameNode)),
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
  return found;
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

function classify(
  file: SourceFile,
  decorator: PyNode,
  imported: ImportedNames,
): 'entity' | 'not-imported' | 'other' {
  const expr = namedChildren(decorator)[0];
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
