import type { Diagnostic, EncodedValue, EntityState, Program, Result } from '@stateflow/ir';

/** What a step must produce, in the portable value encoding of `@stateflow/ir`. */
export type Expect =
  | { result: EncodedValue }
  | { key: string }
  | { state: EntityState }
  | { error: { type: string; message?: string } };

/** The fields every scenario step has. */
export interface StepBase {
  /** The entity class the step addresses. */
  entity: string;
  /** The expected outcome, generated from plain Python (`expected.json`). */
  expect: Expect;
  /** Compare the error message too (not only its `type`). */
  compareMessage?: boolean;
}

/** Creates an instance: `Entity(*args, **kwargs)`; expects `{key}` or `{error}`. */
export interface CreateStep extends StepBase {
  op: 'create';
  args: EncodedValue[];
  kwargs: { [name: string]: EncodedValue };
}

/** Calls a method of an instance; expects `{result}` or `{error}`. */
export interface InvokeStep extends StepBase {
  op: 'invoke';
  key: string;
  method: string;
  args: EncodedValue[];
  kwargs: { [name: string]: EncodedValue };
}

/** Reads the whole state of an instance; expects `{state}` or `{error: {type: 'EntityNotFound'}}`. */
export interface GetStep extends StepBase {
  op: 'get';
  key: string;
}

/** One call of a scenario. */
export type Step = CreateStep | InvokeStep | GetStep;

/** A program and the calls made on it, with their expected results. */
export interface Scenario {
  /** `<feature>/<behaviour>`, e.g. `loops/sum-linked-list`. */
  id: string;
  feature: string;
  name: string;
  /** Absolute path of the scenario folder. */
  dir: string;
  /** The Python program (`app.py`). */
  source: string;
  steps: Step[];
  /** The precompiled IR (`program.ir.json`), absent when the program did not compile. */
  program?: Program;
  /** The compiler's diagnostics when the program did not compile. */
  diagnostics?: Diagnostic[];
}

/** A deployed program, as the kit drives it. Results use `@stateflow/ir` `Result`. */
export interface ConformanceClient {
  create(entity: string, args: EncodedValue[], kwargs: { [name: string]: EncodedValue }): Promise<Result>;
  invoke(
    entity: string,
    key: string,
    method: string,
    args: EncodedValue[],
    kwargs: { [name: string]: EncodedValue },
  ): Promise<Result>;
  /** The encoded state of an instance, `undefined` when there is none. */
  getState(entity: string, key: string): Promise<EntityState | undefined>;
  close(): Promise<void>;
}

/** A backend under test: deploys one program per scenario on a fresh, empty state. */
export interface ConformanceTarget {
  deploy(program: Program): Promise<ConformanceClient>;
}

/** Why a step failed, with what was expected and what came back. */
export interface StepFailure {
  /** 0-based index of the step in the scenario. */
  index: number;
  step: Step;
  expected: Expect;
  /** What the backend produced (`thrown` when the client call rejected). */
  actual: Expect | { thrown: string };
  /** A readable one-line difference. */
  diff: string;
}

/** The outcome of one scenario. */
export interface ScenarioReport {
  id: string;
  feature: string;
  name: string;
  passed: boolean;
  /** A scenario-level failure: no program (compile diagnostics) or a failed deploy. */
  problem?: string;
  failures: StepFailure[];
}

/** The outcomes of one feature folder. */
export interface FeatureReport {
  feature: string;
  passed: number;
  total: number;
  scenarios: ScenarioReport[];
}

/** The outcome of a whole run. */
export interface ConformanceReport {
  passed: number;
  total: number;
  features: FeatureReport[];
}

/** Options of {@link runConformance}. */
export interface RunConformanceOptions {
  /** Scenarios to run (default: {@link loadScenarios}()). */
  scenarios?: Scenario[];
  /** Runs only the scenarios it accepts. */
  filter?: (scenario: Scenario) => boolean;
  /**
   * Supplies the program of a scenario instead of the shipped `program.ir.json`, e.g.
   * compiled from `scenario.source` by the current compiler. Return `{diagnostics}` when
   * it does not compile.
   */
  programFor?: (scenario: Scenario) => Promise<{ program?: Program; diagnostics?: Diagnostic[] }>;
  /** Longest wait for one step, in milliseconds (default 20000); then the step fails. */
  stepTimeoutMs?: number;
  /** Called after every scenario (progress output). */
  onScenario?: (report: ScenarioReport) => void;
}
