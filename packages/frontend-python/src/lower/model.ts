import type { Field, Param, TypeRef } from '@stateflow/ir';
import type { PyNode } from '../parse/syntax-node.js';

/** What role a method plays in its entity class. */
export type MethodRole = 'method' | 'init' | 'key' | 'dunder' | 'static';

/** A remote interaction found in a method body, with the node that performs it. */
export type RemoteSite =
  | { kind: 'Invoke'; node: PyNode; receiver: PyNode; args: PyNode; entity: string; method: string }
  | { kind: 'ReadAttr'; node: PyNode; receiver: PyNode; entity: string; attr: string }
  | { kind: 'Create'; node: PyNode; args: PyNode; entity: string }
  | { kind: 'InvokeSelf'; node: PyNode; args: PyNode; method: string };

/** One method of an entity class, as the later stages need it. */
export interface MethodModel {
  name: string;
  role: MethodRole;
  /** The `function_definition` node. */
  node: PyNode;
  nameNode: PyNode;
  /** Name of the first parameter (`self`), or null for static methods. */
  selfName: string | null;
  params: Param[];
  returns: TypeRef;
  /** Assigns state itself (before propagation through self-calls). */
  directWrites: boolean;
  writes: boolean;
  /** Calls `self.m(...)`: the callee name and the `call` node. */
  selfCalls: { method: string; node: PyNode }[];
  sites: RemoteSite[];
  /** Makes remote interactions, directly or through split self-calls. */
  split: boolean;
}

/** A `@stateflow` class. */
export interface EntityModel {
  name: string;
  /** The `class_definition` node. */
  node: PyNode;
  nameNode: PyNode;
  fields: Field[];
  fieldTypes: Map<string, TypeRef>;
  keyType: TypeRef;
  /** Every analysed method by name (including `__init__`, `__key__`, dunders, static). */
  methods: Map<string, MethodModel>;
}

/** The result of lowering: the entity classes of the module in source order. */
export interface ModuleModel {
  entities: EntityModel[];
  byName: Map<string, EntityModel>;
}
