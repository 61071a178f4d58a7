import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildFlinkJob, type FlinkArtifact } from '@stateflow/backend-flink';
import { runScript } from '@stateflow/engine-harness';
import type { Program } from '@stateflow/ir';
import { registry, REPLY_TOPIC } from './suite.js';

/** REST port of the test cluster's JobManager (RPC: +1); away from the other suites' ports. */
export const CLUSTER_PORT = Number(process.env['STATEFLOW_FLINK_TEST_CLUSTER_PORT'] ?? 19481);

/** A standalone cluster started by `tools/engines/flink/cluster-start.sh`. */
export interface FlinkCluster {
  dir: string;
  /** `127.0.0.1:<REST port>`. */
  rest: string;
  env: { [name: string]: string };
  /** A TaskManager (1-based) that runs tasks of a job: Python workers in its process group, or (thread mode) Python embedded in its JVM. */
  busyTaskManager(): number | undefined;
  /** SIGKILLs TaskManager `i` (1-based): its JVM and its Python workers. */
  killTaskManager(i: number): void;
  /** Starts TaskManager `i` again (after a kill). */
  startTaskManager(i: number): Promise<void>;
  /** The JSON of a REST GET. */
  get(path: string): Promise<any>;
  /** Lines of the cluster's logs that explain a slow recovery (tasks that would not cancel, lost TaskManagers, restarts). */
  recoveryLog(): string;
  stop(): Promise<void>;
}

const pidOf = (dir: string, name: string): number => Number(readFileSync(join(dir, `${name}.pid`), 'utf8').trim());

/** Starts a JobManager and `taskManagers` TaskManagers (`slots` each) on loopback in a temporary folder. */
export async function startCluster(taskManagers = 2, slots = 2): Promise<FlinkCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'stateflow-flink-cluster-'));
  const names = ['jobmanager', ...Array.from({ length: taskManagers }, (_, i) => `taskmanager-${i + 1}`)];
  const track = () => {
    for (const name of names) if (existsSync(join(dir, `${name}.pid`))) registry.register(pidOf(dir, name), `flink ${name} ${dir}`);
  };
  const stop = async () => {
    for (const name of names) if (existsSync(join(dir, `${name}.pid`))) registry.unregister(pidOf(dir, name));
    await runScript('flink/cluster-stop.sh', ['--dir', dir], { timeoutMs: 120_000 }).catch(() => undefined);
    // STATEFLOW_FLINK_KEEP_LOGS=1 keeps the cluster's folder (configuration, logs) for a look afterwards.
    if (process.env['STATEFLOW_FLINK_KEEP_LOGS'] !== '1') rmSync(dir, { recursive: true, force: true });
  };
  try {
    const args = ['--dir', dir, '--port', String(CLUSTER_PORT), '--taskmanagers', String(taskManagers), '--slots', String(slots)];
    const stdout = await runScript('flink/cluster-start.sh', args, { timeoutMs: 300_000 });
    track();
    const env = Object.fromEntries(
      readFileSync(join(dir, 'cluster.env'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    const rest = stdout.trim().split('\n').pop()!;
    const get = async (path: string) => {
      const r = await fetch(`http://${rest}${path}`);
      if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
      return r.json();
    };
    return {
      dir,
      rest,
      env,
      get,
      recoveryLog() {
        const wanted = /did not react to cancelling signal|did not exit gracefully|no longer reachable|switched from state|Fatal error|NoResourceAvailable|timed out|Failed to trigger checkpoint/;
        const logDir = join(dir, 'log');
        const lines: string[] = [];
        for (const name of existsSync(logDir) ? readdirSync(logDir) : []) {
          if (!name.endsWith('.log')) continue;
          for (const line of readFileSync(join(logDir, name), 'utf8').split('\n')) if (wanted.test(line)) lines.push(`${name}: ${line.slice(0, 400)}`);
        }
        return lines.slice(-60).join('\n');
      },
      busyTaskManager() {
        // Process mode: Python workers in the TaskManager's process group. Thread mode: no
        // workers; the TaskManager's JVM has loaded libpython (pemja) to run the job's Python.
        const processes = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' })
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => {
            const [pid, pgid, ...args] = l.trim().split(/\s+/);
            return { pid: Number(pid), pgid: Number(pgid), args: args.join(' ') };
          });
        const embedsPython = (pid: number) => {
          try {
            return readFileSync(`/proc/${pid}/maps`, 'utf8').includes('libpython');
          } catch {
            return false;
          }
        };
        for (let i = 1; i <= taskManagers; i++) {
          if (!existsSync(join(dir, `taskmanager-${i}.pid`))) continue;
          const tm = pidOf(dir, `taskmanager-${i}`);
          const group = processes.filter((p) => p.pgid === tm);
          if (group.some((p) => (/python/.test(p.args) && !/job\.py/.test(p.args)) || embedsPython(p.pid))) return i;
        }
        return undefined;
      },
      killTaskManager(i) {
        const pid = pidOf(dir, `taskmanager-${i}`);
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* gone */
        }
        registry.unregister(pid);
      },
      async startTaskManager(i) {
        // Right after a SIGKILL the old process may not be gone yet, and the script would take
        // it for a running TaskManager and start none: wait until it is.
        const old = pidOf(dir, `taskmanager-${i}`);
        const alive = () => {
          try {
            process.kill(old, 0);
            return true;
          } catch {
            return false;
          }
        };
        for (const end = Date.now() + 30_000; alive() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100));
        // cluster-start.sh leaves a running cluster alone; start this one TaskManager the way it does.
        await runScript('flink/cluster-taskmanager.sh', ['--dir', dir, '--index', String(i)], { timeoutMs: 180_000 });
        track();
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A program's job on the cluster, submitted with `flink run`. */
export interface ClusterDeployment {
  artifact: FlinkArtifact;
  dir: string;
  prefix: string;
  ingress: string;
  jobId: string;
  /** Cancels the job (its checkpoints are retained) and waits until it is cancelled. */
  cancel(): Promise<void>;
  /** Submits the job again with `flink run -s <the newest retained checkpoint>`; returns that checkpoint. */
  restore(): Promise<string>;
  /** The job's state on the cluster (`RUNNING`, `RESTARTING`, ...). */
  state(): Promise<string>;
  /** Completed checkpoints so far (the REST API's count). */
  checkpoints(): Promise<number>;
  stop(): Promise<void>;
}

/** Runs `flink run` (the deploy docs' command) in `dir`; resolves with the job id it printed. */
async function flinkRun(cluster: FlinkCluster, dir: string, extra: string[], jobArgs: string[]): Promise<string> {
  const flink = join(cluster.env['FLINK_HOME']!, 'bin', 'flink');
  const args = ['run', '-m', cluster.rest, ...extra, '-py', 'job.py', '-pyfs', 'python', '--jarfile', cluster.env['FLINK_KAFKA_JAR']!, '--jar', 'none', ...jobArgs];
  const env = {
    ...process.env,
    FLINK_CONF_DIR: cluster.env['FLINK_CONF_DIR']!,
    PATH: `${dirname(cluster.env['FLINK_PYTHON']!)}:${process.env['PATH']}`,
  };
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(flink, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (text += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      writeFileSync(join(dir, `flink-run-${Date.now()}.log`), text);
      if (code === 0 && /^JOB_RUNNING/m.test(text)) resolve(text);
      else reject(new Error(`flink run ${args.join(' ')} exited with ${code}:\n${text.split('\n').slice(-40).join('\n')}`));
    });
  });
  return /^JOB_ID (\S+)/m.exec(output)![1]!;
}

/** The newest retained checkpoint (`chk-N` with `_metadata`) under a job folder's checkpoints. */
export function newestCheckpoint(checkpointDir: string): string | undefined {
  const found: string[] = [];
  if (!existsSync(checkpointDir)) return undefined;
  for (const job of readdirSync(checkpointDir)) {
    const jobDir = join(checkpointDir, job);
    if (!statSync(jobDir).isDirectory()) continue;
    for (const chk of readdirSync(jobDir)) if (chk.startsWith('chk-') && existsSync(join(jobDir, chk, '_metadata'))) found.push(join(jobDir, chk));
  }
  return found.sort((a, b) => statSync(join(a, '_metadata')).mtimeMs - statSync(join(b, '_metadata')).mtimeMs).pop();
}

/** Builds `program` with unique topics (partitions = parallelism) and submits it to `cluster`. */
export async function deployOnCluster(
  cluster: FlinkCluster,
  program: Program,
  bootstrap: string,
  options: { parallelism: number; checkpointIntervalMs?: number },
): Promise<ClusterDeployment> {
  const prefix = `c${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), `stateflow-flink-${prefix}-`));
  const artifact = await buildFlinkJob(program, dir, {
    bootstrap,
    topicPrefix: prefix,
    replyTopics: REPLY_TOPIC,
    checkpointIntervalMs: options.checkpointIntervalMs ?? 100,
    parallelism: options.parallelism,
  });
  let jobId: string;
  try {
    jobId = await flinkRun(cluster, dir, [], ['--create-topics', '--partitions', String(options.parallelism)]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const checkpointDir = join(dir, 'checkpoints');
  const state = async () => (await cluster.get(`/jobs/${jobId}`)).state as string;
  const completed = async () => (await cluster.get(`/jobs/${jobId}/checkpoints`)).counts.completed as number;
  // RUNNING is reported before every task's Python worker is up: a first completed
  // checkpoint means every task runs (each one took part in it).
  const ready = async () => {
    const end = Date.now() + 240_000;
    while ((await completed()) < 1) {
      if (Date.now() > end) {
        const exceptions = await cluster.get(`/jobs/${jobId}/exceptions`).catch(() => ({}));
        throw new Error(`job ${jobId} completed no checkpoint in 240 s (state ${await state()}): ${JSON.stringify(exceptions).slice(0, 2000)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  await ready();
  const cancel = async () => {
    await fetch(`http://${cluster.rest}/jobs/${jobId}?mode=cancel`, { method: 'PATCH' });
    const end = Date.now() + 60_000;
    while (Date.now() < end && !['CANCELED', 'FAILED', 'FINISHED'].includes(await state())) await new Promise((r) => setTimeout(r, 250));
  };
  return {
    artifact,
    dir,
    prefix,
    ingress: artifact.config.topics.ingress,
    get jobId() {
      return jobId;
    },
    cancel,
    async restore() {
      const chk = newestCheckpoint(checkpointDir);
      if (!chk) throw new Error(`no retained checkpoint under ${checkpointDir}`);
      jobId = await flinkRun(cluster, dir, ['-s', chk], []);
      await ready();
      return chk;
    },
    state,
    checkpoints: completed,
    async stop() {
      await cancel().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
