import type { Diagnostic } from '@stateflow/ir';
import { makeDiagnostic } from '../diagnostics/define.js';
import { LowerDiagnostics } from '../diagnostics/lower.js';
import { spanOf, type SourceFile } from '../parse/syntax-node.js';
import { analyzeMethod } from './analyze-method.js';
import { readEntityShape } from './entity-shape.js';
import { findEntities } from './find-entities.js';
import type { EntityModel, MethodModel, ModuleModel } from './model.js';
import { TypeResolver } from './types.js';

export type { EntityModel, MethodModel, ModuleModel, RemoteSite, MethodRole } from './model.js';
export { makeUnion, entityOf } from './types.js';

/**
 * Lowers a parsed module to its entity model: `@stateflow` classes, fields, methods,
 * types, remote interactions, which methods split and which write state. SF2xxx.
 */
export function lowerModule(file: SourceFile, diagnostics: Diagnostic[]): ModuleModel {
  const found = findEntities(file, diagnostics);
  const types = new TypeResolver(file, new Set(found.map((f) => f.name)));
  const entities = found.map((f) => readEntityShape(file, f, types, diagnostics));
  const byName = new Map(entities.map((e) => [e.name, e]));
  const ctx = { file, entities: byName, types, diagnostics };
  for (const e of entities) for (const m of e.methods.values()) analyzeMethod(ctx, e, m);
  for (const e of entities) {
    propagateSplit(e);
    propagateWrites(e);
    for (const m of e.methods.values()) {
      m.sites.sort((a, b) => a.node.start - b.node.start || b.node.end - a.node.end);
      checkPlacement(file, m, diagnostics);
    }
  }
  return { entities, byName };
}

/** Callers of each method through `self.m(...)`, within one class. */
function callersOf(e: EntityModel): Map<string, MethodModel[]> {
  const callers = new Map<string, MethodModel[]>();
  for (const m of e.methods.values()) {
    for (const c of m.selfCalls) {
      const list = callers.get(c.method) ?? [];
      list.push(m);
      callers.set(c.method, list);
    }
  }
  return callers;
}

/** A method splits if it interacts remotely or calls a splitting method of self (fixpoint). */
function propagateSplit(e: EntityModel): void {
  const callers = callersOf(e);
  const queue = [...e.methods.values()].filter((m) => m.sites.length > 0 && m.role !== 'static');
  for (const m of queue) m.split = true;
  while (queue.length > 0) {
    const m = queue.pop()!;
    for (const caller of callers.get(m.name) ?? []) {
      if (!caller.split) {
        caller.split = true;
        queue.push(caller);
      }
    }
  }
  for (const m of e.methods.values()) {
    for (const c of m.selfCalls) {
      const callee = e.methods.get(c.method);
      if (callee && callee.split && callee.role === 'method') {
        m.sites.push({ kind: 'InvokeSelf', node: c.node, args: c.node.children.find((x) => x.field === 'arguments')!, method: c.method });
      }
    }
  }
}

/** A method writes if it assigns state or calls a writing method of self (fixpoint). */
function propagateWrites(e: EntityModel): void {
  const callers = callersOf(e);
  const queue = [...e.methods.values()].filter((m) => m.directWrites);
  for (const m of queue) m.writes = true;
  while (queue.length > 0) {
    const m = queue.pop()!;
    for (const caller of callers.get(m.name) ?? []) {
      if (!caller.writes) {
        caller.writes = true;
        queue.push(caller);
      }
    }
  }
}

/** Remote interactions are only allowed in ordinary methods. */
function checkPlacement(file: SourceFile, m: MethodModel, diagnostics: Diagnostic[]): void {
  const first = m.sites[0];
  if (!first) return;
  if (m.role === 'init' || m.role === 'key' || m.role === 'dunder') {
    diagnostics.push(makeDiagnostic(LowerDiagnostics.RemoteInSpecialMethod, { method: m.name }, spanOf(file, first.node)));
    m.split = false;
  } else if (m.role === 'static') {
    diagnostics.push(makeDiagnostic(LowerDiagnostics.RemoteInStaticMethod, { method: m.name }, spanOf(file, first.node)));
    m.split = false;
  }
}
