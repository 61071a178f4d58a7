/**
 * `@stateflow/ir`: the StateFlow intermediate representation, the contract between the
 * compiler, the Python kernel and every runtime and backend: the IR types, the event
 * envelope and portable value encoding, their JSON Schemas and validators, and the
 * IR version rule.
 *
 * @packageDocumentation
 */
export { IR_VERSION } from './version.js';
export type { SourceSpan, Loc } from './source-span.js';
export type { TypeRef, TypeKind } from './type-ref.js';
export { describeType } from './type-ref.js';
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
  ResumingTerminator,
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
  EventBase,
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
export { systemError } from './envelope.js';
export { MAX_KEY_BYTES, checkKey } from './keys.js';
export type { EncodedValue, EncodedEntityRef } from './values.js';
export { entityRef, isEntityRef, toPlainJson } from './values.js';
export {
  MAX_VALUE_DEPTH,
  MAX_NUMBER_DIGITS,
  REQUEST_VALUE_TAGS,
  encodeRequestValue,
  encodeCallArguments,
  callShapeProblem,
} from './request-values.js';
export type { EntityNames, RequestValueOptions, RequestValueResult, CallArgumentsResult } from './request-values.js';
export { parseJsonExact } from './exact-json.js';
export type { Diagnostic, Severity } from './diagnostic.js';
export { formatDiagnostic } from './diagnostic.js';
export { isIrVersionCompatible, parseIrVersion, SUPPORTED_IR_RANGE } from './version-range.js';
export type { IrVersion } from './version-range.js';
export { defineDiagnostics, makeDiagnostic } from './define-diagnostics.js';
export type {
  DiagnosticDefinition,
  DefinedDiagnostic,
  DiagnosticTable,
  DiagnosticDetails,
  DiagnosticExtras,
} from './define-diagnostics.js';
export { IrDiagnostics } from './diagnostics.js';
export { irSchema, eventSchema, clientAccessSchema } from './schema/index.js';
export type { JsonSchema } from './schema/index.js';
export { validateProgram } from './validate/validate-program.js';
export { validateEvent } from './validate/validate-event.js';
export { validateClientAccess } from './validate/validate-client-access.js';
export type { IrValidationError } from './validate/validation-error.js';
export { assertIr } from './assert-ir.js';
export type { AssertIrOptions } from './assert-ir.js';
export { renderGraph, tryRenderGraph, listGraphMethods, UnknownGraphMethodError } from './graph/render-graph.js';
export type { RenderGraphOptions, RenderGraphResult } from './graph/render-graph.js';
export { defineBackend } from './backend.js';
export { readSettings } from './settings-reader.js';
export { programSlug } from './program-slug.js';
export type { SettingsReader, SettingOverrides } from './settings-reader.js';
export { KAFKA_BOOTSTRAP_FORMAT, checkKafkaTopics, readKafkaTopics } from './kafka-settings.js';
export type {
  Backend,
  BackendCapabilities,
  BackendContext,
  BackendBuildOptions,
  BackendArtifact,
  BackendSetting,
  BackendSettings,
  BackendSettingType,
  RunningDeployment,
  ClientAccess,
  KafkaClientAccess,
  LambdaClientAccess,
} from './backend.js';
