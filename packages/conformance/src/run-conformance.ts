import type { Diagnostic, EncodedValue, Program, Result } from '@stateflow/ir';
import { isEntityRef } from '@stateflow/ir';
import { describeStep, diffOutcome } from './compare.js';
import { loadScenarios } from './load-scenarios.js';
import type {
  ConformanceClient,
  ConformanceReport,
  ConformanceTarget,
  Expect,
  FeatureReport,
  RunConformanceOptions,
  Scenario,
  ScenarioReport,
  Step,
  StepFailure,
} from './types.js';

function fromResult(result: Result, onOk: (ok: EncodedValue) => Expect): Expect {
  if ('error' in result) return { error: { type: result.error.type, message: result.error.message } };
  return onOk(result.ok);
}

async function runStep(client: ConformanceClient, step: Step): Promise<Expect> {
  switch (step.op) {
    case 'create':
      return fromResult(await client.create(step.entity, step.args, step.kwargs), (ok): Expect =>
        isEntityRef(ok) ? { key: ok.$key } : { result: ok },
      );
    case 'invoke':
      return fromResult(await client.invoke(step.entity, step.key, step.method, step.args, step.kwargs), (ok) => ({ result: ok }));
    case 'get': {
      const state = await client.getState(step.entity, step.key);
      return state === undefined
        ? { error: { type: 'EntityNotFound', message: `${step.entity}(${JSON.stringify(step.key)}) does not exist` } }
        : { state };
    }
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer after ${ms} ms to ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function diagnosticsText(diagnostics: Diagnostic[] | undefined): string {
  const errors = (diagnostics ?? []).filter((d) => d.severity === 'error');
  if (errors.length === 0) return 'no program and no diagnostics';
  return errors
    .map((d) => `${d.code} ${d.name}${d.span ? ` ${d.span.line}:${d.span.column}` : ''}`)
    .join(', ');
}

/** Runs one scenario on a target. */
export async function runScenario(
  target: ConformanceTarget,
  scenario: Scenario,
  options: RunConformanceOptions = {},
): Promise<ScenarioReport> {
  const report: ScenarioReport = { id: scenario.id, feature: scenario.feature, name: scenario.name, passed: false, failures: [] };
  let program: Program | undefined = scenario.program;
  let diagnostics = scenario.diagnostics;
  if (options.programFor) {
    const got = await options.programFor(scenario);
    program = got.program;
    diagnostics = got.diagnostics;
  }
  if (!program) {
    report.problem = `does not compile: ${diagnosticsText(diagnostics)}`;
    return report;
  }
  const timeoutMs = options.stepTimeoutMs ?? 20_000;
  let client: ConformanceClient;
  try {
    client = await withTimeout(target.deploy(program), timeoutMs, 'deploy');
  } catch (error) {
    report.problem = `deploy failed: ${errorText(error)}`;
    return report;
  }
  try {
    return await runSteps(client, scenario, options);
  } finally {
    await client.close().catch(() => undefined);
  }
}

/**
 * Runs the steps of a scenario on a client of a deployment that is already up (and
 * leaves it up): what {@link runScenario} does after deploying.
 */
export async function runSteps(client: ConformanceClient, scenario: Scenario, options: RunConformanceOptions = {}): Promise<ScenarioReport> {
  const report: ScenarioReport = { id: scenario.id, feature: scenario.feature, name: scenario.name, passed: false, failures: [] };
  const timeoutMs = options.stepTimeoutMs ?? 20_000;
  for (const [index, step] of scenario.steps.entries()) {
    let actual: Expect | { thrown: string };
    try {
      actual = await withTimeout(runStep(client, step), timeoutMs, describeStep(step));
    } catch (error) {
      actual = { thrown: errorText(error) };
    }
    const diff = diffOutcome(step, actual);
    if (diff !== undefined) {
      const failure: StepFailure = { index, step, expected: step.expect, actual, diff };
      report.failures.push(failure);
      if ('thrown' in actual) break; // the backend itself failed: later steps say nothing more
    }
  }
  report.passed = report.failures.length === 0;
  return report;
}

/** Groups scenario reports by feature, in the order of `scenarios`, into a run's report. */
export function collectReport(scenarios: Scenario[], reports: Map<string, ScenarioReport>): ConformanceReport {
  const byFeature = new Map<string, FeatureReport>();
  for (const scenario of scenarios) {
    const result = reports.get(scenario.id);
    if (!result) continue;
    let feature = byFeature.get(scenario.feature);
    if (!feature) {
      feature = { feature: scenario.feature, passed: 0, total: 0, scenarios: [] };
      byFeature.set(scenario.feature, feature);
    }
    feature.total++;
    if (result.passed) feature.passed++;
    feature.scenarios.push(result);
  }
  const features = [...byFeature.values()];
  return {
    passed: features.reduce((n, f) => n + f.passed, 0),
    total: features.reduce((n, f) => n + f.total, 0),
    features,
  };
}

/**
 * Runs the conformance scenarios on a target, one after another, each on a freshly
 * deployed program, and reports per feature which passed and, for each failed step,
 * a readable difference.
 */
export async function runConformance(
  target: ConformanceTarget,
  options: RunConformanceOptions = {},
): Promise<ConformanceReport> {
  let scenarios = options.scenarios ?? loadScenarios();
  if (options.filter) scenarios = scenarios.filter(options.filter);
  const reports = new Map<string, ScenarioReport>();
  for (const scenario of scenarios) {
    const result = await runScenario(target, scenario, options);
    options.onScenario?.(result);
    reports.set(scenario.id, result);
  }
  return collectReport(scenarios, reports);
}
