import { kafkaTransport, type KafkaTransport } from '@stateflow/client/kafka';
import {
  formatScoreboard,
  loadCombined,
  loadScenarios,
  runConformanceCombined,
  type ConformanceClient,
  type ConformanceTarget,
} from '@stateflow/conformance';
import type { Program } from '@stateflow/ir';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deploy } from './support/deploy.js';
import { KafkaRequester, REPLY_TOPIC } from './support/suite.js';

const TITLE = 'Flink (PyFlink 2.3 mini-cluster, Kafka 4.4, exactly-once) through the Kafka client';
/** Scenarios running at once against the one job. */
const LANES = Number(process.env['STATEFLOW_FLINK_CONFORMANCE_LANES'] ?? 8);

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

// CI runs the kit through the bare Kafka transport on the standalone cluster
// (cluster.test.ts, parallelism 2) and through the HTTP gateway on the mini-cluster
// (conformance-gateway.test.ts); this mini-cluster run is the full form's
// (`pnpm -F @stateflow/flink-tests test:full`), to keep CI within its time budget.
const FULL = process.env['STATEFLOW_FLINK_FULL'] === '1';
if (!FULL) process.stderr.write('[flink-tests] conformance on the mini-cluster through the bare Kafka transport: skipped (set STATEFLOW_FLINK_FULL=1, or run test:full)\n');

describe.skipIf(!FULL)('conformance on Flink', () => {
  let requester: KafkaRequester;
  beforeAll(async () => {
    requester = await KafkaRequester.connect(inject('bootstrap'));
  });
  afterAll(async () => {
    await requester?.close();
  });

  it('passes every scenario, all hosted by one job (the combined program)', async () => {
    const scenarios = loadScenarios();
    expect(Object.keys(loadCombined().excluded), 'scenarios left out of the combined program').toEqual([]);
    let jobs = 0;
    const flink = flinkTarget(inject('bootstrap'), requester);
    const target: ConformanceTarget = { deploy: (program) => (jobs++, flink.deploy(program)) };
    const t0 = Date.now();
    const report = await runConformanceCombined(target, {
      scenarios,
      concurrency: LANES,
      stepTimeoutMs: 60_000,
      onScenario: (r) => process.stderr.write(`[flink-tests] ${r.passed ? 'pass' : 'FAIL'} ${r.id} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`),
    });
    const board = formatScoreboard(report, TITLE);
    process.stderr.write(`\n${board}\n`);
    expect(report.total).toBe(scenarios.length);
    expect(report.passed, board).toBe(report.total);
    expect(jobs, 'PyFlink jobs started').toBe(1);
  }, 3_600_000);
});
