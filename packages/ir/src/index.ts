export { IR_VERSION } from './version.js';
export type { SourceSpan, Loc } from './source-span.js';
export type { TypeRef, TypeKind } from './type-ref.js';
export type {
  BlockId,
  VarName,
  Program,
  PythonModule,
  EntityClass,
  Field,
  Param,
  Method,
  SimpleBody,
  SplitBody,
  Block,
  Terminator,
  TerminatorKind,
  ReturnTerminator,
  JumpTerminator,
  BranchTerminator,
  InvokeTerminator,
  ReadAttrTerminator,
  InvokeSelfTerminator,
  CreateTerminator,
} from './program.js';
export type {
  EntityAddress,
  ReplyAddress,
  Frame,
  ErrorValue,
  SystemErrorCode,
  Result,
  Event,
  EventKind,
  InvokeEvent,
  ReadEvent,
  ConstructEvent,
  InsertEvent,
  ReplyEvent,
  ResponseEvent,
  EntityState,
} from './envelope.js';
export type { EncodedValue, EncodedEntityRef } from './values.js';
export { entityRef, isEntityRef, toPlainJson } from './values.js';
export type { Diagnostic, Severity } from './diagnostic.js';
export { formatDiagnostic } from './diagnostic.js';
