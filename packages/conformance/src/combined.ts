import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic, EncodedValue, EntityState, Program, Result } from '@stateflow/ir';
import { loadScenarios, scenariosDir } from './load-scenarios.js';
import { collectReport, runScenario, runSteps, withTimeout } from './run-conformance.js';
import type { ConformanceClient, ConformanceReport, ConformanceTarget, RunConformanceOptions, ScenarioReport } from './types.js';

/**
 * Every scenario program in one program (`scenarios/combined.ir.json`, written by
 * `pnpm -F @stateflow/conformance gen` with `reference/combine.py`): the module-level
 * names two scenarios share are renamed per scenario (`Account` → `Account_sfc3`).
 */
export interface CombinedProgram {
  /** The combined program, when the combined module compiles. */
  program?: Program;
  /** Diagnostics when the combined module does not compile (then every scenario deploys alone). */
  diagnostics?: Diagnostic[];
  /** Per scenario id, its renamed module-level names (original → name in the combined program). */
  renames: { [scenarioId: string]: { [name: string]: string } };
  /** Scenarios left out of the combined program, with why; they deploy alone. */
  excluded: { [scenarioId: string]: string };
}

/** Reads the shipped combined program of the kit. */
export function loadCombined(dir: string = scenariosDir()): CombinedProgram {
  const file = join(dir, 'combined.ir.json');
  if (!existsSync(file)) throw new Error(`${file} is missing; run \`pnpm -F @stateflow/conformance gen\``);
  const raw = JSON.parse(readFileSync(file, 'utf8')) as CombinedProgram & { generated?: string };
  delete raw.generated;
  return raw;
}

/** Options of {@link runConformanceCombined}. */
export interface RunCombinedOptions extends Omit<RunConformanceOptions, 'programFor'> {
  /** Scenarios running at once on the shared deployment. @default 4 */
  concurrency?: number;
  /** Longest wait for the deployment of the combined program, in milliseconds. @default 300000 */
  deployTimeoutMs?: number;
  /** The combined program (default: {@link loadCombined}()). */
  combined?: CombinedProgram;
}

/**
 * Runs the conformance scenarios on ONE deployment of the combined program, several at
 * a time: each scenario's entity names are mapped into the combined program in its
 * calls and back in the answers, so it sees exactly its own program. For targets whose
 * deployments are slow to start (an engine job): one start instead of one per scenario.
 * Scenarios outside the combined program deploy alone, as in {@link runConformance}.
 */
export async function runConformanceCombined(target: ConformanceTarget, options: RunCombinedOptions = {}): Promise<ConformanceReport> {
  let scenarios = options.scenarios ?? loadScenarios();
  if (options.filter) scenarios = scenarios.filter(options.filter);
  const combined = options.combined ?? loadCombined();
  const reports = new Map<string, ScenarioReport>();
  let shared: ConformanceClient | undefined;
  let deployProblem: string | undefined;
  if (combined.program && scenarios.some((s) => combined.renames[s.id])) {
    try {
      shared = await withTimeout(target.deploy(combined.program), options.deployTimeoutMs ?? 300_000, 'deploy of the combined program');
    } catch (error) {
      deployProblem = `deploy of the combined program failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  try {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < scenarios.length) {
        const scenario = scenarios[next++]!;
        const renames = combined.program ? combined.renames[scenario.id] : undefined;
        let report: ScenarioReport;
        if (!renames) report = await runScenario(target, scenario, options);
        else if (!shared) report = { id: scenario.id, feature: scenario.feature, name: scenario.name, passed: false, failures: [], problem: deployProblem! };
        else report = await runSteps(renamingClient(shared, renames), scenario, options);
        reports.set(scenario.id, report);
        options.onScenario?.(report);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, lane));
  } finally {
    await shared?.close().catch(() => undefined);
  }
  return collectReport(scenarios, reports);
}

/**
 * A client of the shared deployment as one scenario sees it: entity names in calls and
 * references are mapped to the combined program's, and every string of an answer back
 * (references, error types and messages, returned text). `close` leaves the deployment up.
 */
export function renamingClient(shared: ConformanceClient, renames: { [name: string]: string }): ConformanceClient {
  const back = new Map(Object.entries(renames).map(([from, to]) => [to, from]));
  const pattern = back.size ? new RegExp(`\\b(${[...back.keys()].join('|')})\\b`, 'g') : undefined;
  const toCombined = (name: string): string => renames[name] ?? name;
  const fromCombined = (text: string): string => (pattern ? text.replace(pattern, (m) => back.get(m)!) : text);
  const mapIn = (value: EncodedValue): EncodedValue => mapValue(value, (v) => v, toCombined);
  const mapOut = <T>(value: T): T => mapValue(value as EncodedValue, fromCombined, fromCombined) as T;
  const args = (list: EncodedValue[]) => list.map(mapIn);
  const kwargs = (obj: { [name: string]: EncodedValue }) => Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, mapIn(v)]));
  return {
    create: async (entity, a, k): Promise<Result> => mapOut(await shared.create(toCombined(entity), args(a), kwargs(k))),
    invoke: async (entity, key, method, a, k): Promise<Result> => mapOut(await shared.invoke(toCombined(entity), key, method, args(a), kwargs(k))),
    getState: async (entity, key): Promise<EntityState | undefined> => mapOut(await shared.getState(toCombined(entity), key)),
    close: async () => undefined,
  };
}

/** Copies an encoded value, mapping every string with `text` and every `$entity` name with `entity`. */
function mapValue(value: EncodedValue, text: (s: string) => string, entity: (name: string) => string): EncodedValue {
  if (typeof value === 'string') return text(value);
  if (Array.isArray(value)) return value.map((v) => mapValue(v, text, entity));
  if (value && typeof value === 'object') {
    const out: { [k: string]: EncodedValue } = {};
    for (const [k, v] of Object.entries(value)) {
      out[text(k)] = k === '$entity' && typeof v === 'string' ? entity(v) : mapValue(v as EncodedValue, text, entity);
    }
    return out;
  }
  return value;
}
