/**
 * The StateFlow conformance kit: programs, call scenarios and their expected results
 * (generated from plain Python), shipped with precompiled IR, and a runner for any backend.
 */
export { loadScenarios, loadScenario, scenariosDir } from './load-scenarios.js';
export { runConformance, runScenario } from './run-conformance.js';
export { loadCombined, runConformanceCombined } from './combined.js';
export type { CombinedProgram, RunCombinedOptions } from './combined.js';
export { formatScoreboard } from './scoreboard.js';
export type {
  Expect,
  Step,
  StepBase,
  CreateStep,
  InvokeStep,
  GetStep,
  Scenario,
  ConformanceClient,
  ConformanceTarget,
  ConformanceReport,
  FeatureReport,
  ScenarioReport,
  StepFailure,
  RunConformanceOptions,
} from './types.js';
