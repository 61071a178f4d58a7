import { describe, expect, it } from 'vitest';
import type { EncodedValue, EntityState, Program, Result } from '@stateflow/ir';
import { canonicalJson } from '../src/compare.js';
import {
  formatScoreboard,
  loadScenarios,
  runConformance,
  type ConformanceClient,
  type ConformanceTarget,
  type Scenario,
} from '../src/index.js';
import { renamingClient } from '../src/combined.js';

/** A tiny TypeScript backend for one program shape (counters), with a deliberate bug switch. */
function counterTarget(bug: 'none' | 'wrong-result' | 'throws'): ConformanceTarget {
  return {
    async deploy(_program: Program): Promise<ConformanceClient> {
      const states = new Map<string, EntityState>();
      return {
        async create(entity, args): Promise<Result> {
          const key = String(args[0]);
          if (states.has(key)) return { error: { type: 'EntityExists', message: 'taken', code: 'EntityExists' } };
          states.set(key, { name: key, count: 0 });
          return { ok: { $entity: entity, $key: key } };
        },
        async invoke(_entity, key, _method, args): Promise<Result> {
          if (bug === 'throws') throw new Error('backend crashed');
          const s = states.get(key);
          if (!s) return { error: { type: 'EntityNotFound', message: 'no', code: 'EntityNotFound' } };
          s['count'] = (s['count'] as number) + ((args[0] as number) ?? 1);
          return { ok: bug === 'wrong-result' ? 999 : (s['count'] as EncodedValue) };
        },
        async getState(_entity, key) {
          return states.get(key);
        },
        async close() {},
      };
    },
  };
}

const program = { kind: 'Program' } as unknown as Program;
const scenario: Scenario = {
  id: 'basics/counter',
  feature: 'basics',
  name: 'counter',
  dir: '/nowhere',
  source: '',
  program,
  steps: [
    { op: 'create', entity: 'Counter', args: ['c'], kwargs: {}, expect: { key: 'c' } },
    { op: 'create', entity: 'Counter', args: ['c'], kwargs: {}, expect: { error: { type: 'EntityExists', message: 'c exists' } } },
    { op: 'invoke', entity: 'Counter', key: 'c', method: 'incr', args: [2], kwargs: {}, expect: { result: 2 } },
    { op: 'get', entity: 'Counter', key: 'c', expect: { state: { count: 2, name: 'c' } } },
    { op: 'get', entity: 'Counter', key: 'x', expect: { error: { type: 'EntityNotFound' } } },
  ],
};

describe('runConformance', () => {
  it('passes a backend that answers like plain Python (errors compared by type)', async () => {
    const report = await runConformance(counterTarget('none'), { scenarios: [scenario] });
    expect(report.passed).toBe(1);
    expect(formatScoreboard(report, 'toy')).toBe('# toy\npassed 1/1\n\nbasics  1/1\n\nno failures\n');
  });

  it('compares the message when the step says so', async () => {
    const strict: Scenario = { ...scenario, steps: scenario.steps.map((s, i) => (i === 1 ? { ...s, compareMessage: true } : s)) };
    const report = await runConformance(counterTarget('none'), { scenarios: [strict] });
    expect(report.features[0]!.scenarios[0]!.failures.map((f) => f.index)).toEqual([1]);
  });

  it('reports every failing step with a readable diff, and the first on the scoreboard', async () => {
    const report = await runConformance(counterTarget('wrong-result'), { scenarios: [scenario] });
    const failures = report.features[0]!.scenarios[0]!.failures;
    expect(failures.map((f) => f.index)).toEqual([2]);
    expect(failures[0]!.diff).toBe('expected {"result":2}, got {"result":999}');
    expect(formatScoreboard(report, 'toy')).toContain(
      '- basics/counter: step 3 invoke Counter("c").incr(2): expected {"result":2}, got {"result":999}',
    );
  });

  it('stops a scenario whose client call rejects', async () => {
    const report = await runConformance(counterTarget('throws'), { scenarios: [scenario] });
    const failures = report.features[0]!.scenarios[0]!.failures;
    expect(failures).toHaveLength(1);
    expect(failures[0]!.actual).toEqual({ thrown: 'backend crashed' });
  });

  it('counts a scenario without a program as failed, naming the diagnostics', async () => {
    const broken: Scenario = { ...scenario, program: undefined, diagnostics: [
      { code: 'SF3001', name: 'RemoteInLoop', severity: 'error', message: 'm', file: 'app.py', span: { file: 'app.py', line: 4, column: 9, endLine: 4, endColumn: 12 } },
    ] };
    delete broken.program;
    const report = await runConformance(counterTarget('none'), { scenarios: [broken] });
    expect(formatScoreboard(report, 'toy')).toContain('- basics/counter: does not compile: SF3001 RemoteInLoop 4:9');
  });

  it('filters scenarios', async () => {
    const report = await runConformance(counterTarget('none'), { scenarios: loadScenarios(), filter: () => false });
    expect(report).toEqual({ passed: 0, total: 0, features: [] });
  });
});

describe('canonicalJson', () => {
  it('ignores key order and set order, but not list order', () => {
    expect(canonicalJson({ b: 1, a: { $set: [3, 1, 2] } })).toBe(canonicalJson({ a: { $set: [1, 2, 3] }, b: 1 }));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
    expect(canonicalJson(JSON.parse('{"x":1,"__proto__":[]}'))).toBe('{"__proto__":[],"x":1}');
  });
});

describe('renamingClient', () => {
  it('maps entity names into the combined program in calls and back in every answer', async () => {
    const calls: unknown[] = [];
    const shared: ConformanceClient = {
      async create(entity, args) {
        calls.push({ entity, args });
        return { ok: { $entity: entity, $key: 'a' } };
      },
      async invoke(entity, key, method, args, kwargs) {
        calls.push({ entity, key, method, args, kwargs });
        return { error: { type: 'Oops_sfc3', message: 'Node_sfc3("a") has no Node_sfc30', code: 'UserError' } };
      },
      async getState() {
        return { next: { $entity: 'Node_sfc3', $key: 'b' }, label: 'Node_sfc3' };
      },
      async close() {
        throw new Error('the shared deployment must stay up');
      },
    };
    const client = renamingClient(shared, { Node: 'Node_sfc3', Oops: 'Oops_sfc3' });
    expect(await client.create('Node', [{ $entity: 'Node', $key: 'b' }, 'Node'], {})).toEqual({ ok: { $entity: 'Node', $key: 'a' } });
    expect(await client.invoke('Node', 'a', 'link', [], { to: { $entity: 'Node', $key: 'c' } })).toEqual({
      error: { type: 'Oops', message: 'Node("a") has no Node_sfc30', code: 'UserError' },
    });
    expect(await client.getState('Node', 'a')).toEqual({ next: { $entity: 'Node', $key: 'b' }, label: 'Node' });
    await client.close();
    expect(calls).toEqual([
      { entity: 'Node_sfc3', args: [{ $entity: 'Node_sfc3', $key: 'b' }, 'Node'] },
      { entity: 'Node_sfc3', key: 'a', method: 'link', args: [], kwargs: { to: { $entity: 'Node_sfc3', $key: 'c' } } },
    ]);
  });
});
