import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kafkaTransport, type KafkaTransport } from '@stateflow/client/kafka';
import {
  formatScoreboard,
  loadScenarios,
  runScenario,
  type ConformanceClient,
  type ConformanceReport,
  type ConformanceTarget,
  type ScenarioReport,
} from '@stateflow/conformance';
import type { Program } from '@stateflow/ir';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deploy } from './support/deploy.js';
import { KafkaRequester, REPLY_TOPIC } from './support/requester.js';

const SNAP = fileURLToPath(new URL('../conformance.flink.snap', import.meta.url));
const TITLE = 'Flink (PyFlink 2.3 mini-cluster, Kafka 4.4, exactly-once) through the Kafka client';
/** Jobs running at once (each is a mini-cluster JVM with a Python worker). */
const LANES = Number(process.env['STATEFLOW_FLINK_CONFORMANCE_LANES'] ?? 2);

/** Deploys each program as its own PyFlink job with its own topics; calls go through @stateflow/client's Kafka transport. */
function flinkTarget(bootstrap: string, requester: KafkaRequester): ConformanceTarget {
  return {
    async deploy(program: Program): Promise<ConformanceClient> {
      const app = await deploy(program, bootstrap);
      let transport: KafkaTransport | undefined;
      try {
        transport = kafkaTransport({ brokers: [bootstrap], requestTopic: app.ingress, replyTopic: REPLY_TOPIC });
        await transport.connect();
      } catch (err) {
        await app.stop();
        throw err;
      }
      const t = transport;
      let n = 0;
      const send = (request: Parameters<KafkaTransport['send']>[0]) =>
        t.send(request, { requestId: `${app.prefix}-${n++}`, signal: new AbortController().signal, attempt: 0 });
      return {
        create: (entity, args, kwargs) => send({ kind: 'create', entity, args, kwargs }),
        invoke: (entity, key, method, args, kwargs) => send({ kind: 'invoke', entity, key, method, args, kwargs }),
        getState: (entity, key) => requester.getState(app.ingress, entity, key),
        async close() {
          await t.close();
          await app.stop();
        },
      };
    },
  };
}

describe('conformance on Flink', () => {
  let requester: KafkaRequester;
  beforeAll(async () => {
    requester = await KafkaRequester.connect(inject('bootstrap'));
  });
  afterAll(async () => {
    await requester?.close();
  });

  it('matches the committed scoreboard (conformance.flink.snap; UPDATE=1 rewrites it)', async () => {
    const scenarios = loadScenarios();
    const target = flinkTarget(inject('bootstrap'), requester);
    const reports = new Map<string, ScenarioReport>();
    let next = 0;
    const lane = async () => {
      while (next < scenarios.length) {
        const scenario = scenarios[next++]!;
        const t0 = Date.now();
        const report = await runScenario(target, scenario, { stepTimeoutMs: 60_000 });
        reports.set(scenario.id, report);
        process.stderr.write(`[flink-tests] ${report.passed ? 'pass' : 'FAIL'} ${scenario.id} ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, LANES) }, lane));

    const features = [...new Set(scenarios.map((s) => s.feature))].map((feature) => {
      const list = scenarios.filter((s) => s.feature === feature).map((s) => reports.get(s.id)!);
      return { feature, passed: list.filter((r) => r.passed).length, total: list.length, scenarios: list };
    });
    const report: ConformanceReport = {
      passed: features.reduce((a, f) => a + f.passed, 0),
      total: scenarios.length,
      features,
    };
    const board = formatScoreboard(report, TITLE);
    process.stderr.write(`\n${board}\n`);
    if (process.env['UPDATE'] === '1' || !existsSync(SNAP)) writeFileSync(SNAP, board);
    else expect(board, 'the scoreboard changed; if that is intended, run UPDATE=1 pnpm -F @stateflow/flink-tests test').toBe(readFileSync(SNAP, 'utf8'));
  }, 3_600_000);
});
