import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

// tools/engines/statefun/start.sh and stop.sh, with stand-ins for what they start: the
// application's service.py is a small HTTP server answering /health, and `java` is a
// script that serves Flink's /jobs/overview on the REST port of the properties file it
// is given. What is tested is the scripts' own work: checks with clear errors, the
// order of the starts, the readiness probes, pid files, idempotence, and that nothing is
// left running. A real start (Statefun's JVM on Kafka) is measured in tools/engines/README.md.

const engines = fileURLToPath(new URL('../engines/statefun/', import.meta.url));
const bash = spawnSync('sh', ['-c', 'command -v bash']).stdout.toString().trim();
const python = spawnSync('sh', ['-c', 'command -v python3']).stdout.toString().trim();

const root = mkdtempSync(join(tmpdir(), 'sf-statefun-scripts-'));
let kafka;
let kafkaPort;
beforeAll(async () => {
  // Something accepting TCP where the application's bootstrap points (the scripts only connect).
  kafka = createServer((socket) => socket.destroy());
  await new Promise((resolve) => kafka.listen(0, '127.0.0.1', resolve));
  kafkaPort = kafka.address().port;
});
afterAll(async () => {
  await new Promise((resolve) => kafka.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

let n = 0;
const fresh = (name) => {
  const dir = join(root, `${name}-${n++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};
const write = (path, text, mode) => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  if (mode) chmodSync(path, mode);
  return path;
};

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** A cache as setup.sh leaves it (the service's Python is this machine's python3). */
function fakeCache({ jars = true } = {}) {
  const cache = fresh('cache');
  if (jars) write(join(cache, 'statefun/3.3.0/libs/statefun-flink-core.jar'), '');
  else mkdirSync(join(cache, 'statefun/3.3.0/libs'), { recursive: true });
  write(join(cache, 'statefun/3.3.0/stateflow-statefun-test.jar'), '');
  write(
    join(cache, 'statefun.env'),
    `STATEFUN_VERSION=3.3.0\nSTATEFUN_LIBS=${cache}/statefun/3.3.0/libs\nSTATEFUN_JAR=${cache}/statefun/3.3.0/stateflow-statefun-test.jar\nSTATEFUN_PYTHON=${python}\n`,
  );
  return cache;
}

/** `java` that serves /jobs/overview on the properties file's rest.port; FAKE_JAVA=exit: dies at once. */
function fakeJavaBin() {
  const bin = fresh('bin');
  write(
    join(bin, 'java'),
    `#!${python}
import http.server, json, os, sys
if os.environ.get("FAKE_JAVA") == "exit":
    print("Exception in thread main: the stand-in of java was told to fail", flush=True)
    sys.exit(1)
props = dict(line.split("=", 1) for line in open(sys.argv[-1]).read().splitlines() if "=" in line and not line.startswith("#"))
class Overview(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"jobs": [{"state": "RUNNING", "tasks": {"running": 2, "total": 2}}]}).encode()
        self.send_response(200); self.end_headers(); self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.HTTPServer((props["rest.address"], int(props["rest.port"])), Overview).serve_forever()
`,
    0o755,
  );
  return bin;
}

/** A built application whose service.py answers /health on --host/--port. */
async function fakeApp({ serviceHost = '127.0.0.1', bootstrapPort = kafkaPort, json } = {}) {
  const app = fresh('app');
  const config = {
    appName: 'shop',
    bootstrap: `127.0.0.1:${bootstrapPort}`,
    topics: { ingress: 'shop-ingress', egress: 'shop-egress', deadLetter: 'shop-dead-letter' },
    replyTopics: ['replies', '*'],
    parallelism: 1,
    checkpoint: { intervalMs: 200, dir: 'checkpoints', retained: 3 },
    service: { host: serviceHost, port: await freePort() },
  };
  write(join(app, 'statefun-app.json'), json ?? JSON.stringify(config));
  write(join(app, 'module.yaml'), 'kind: io.statefun.endpoints.v2/http\n');
  write(
    join(app, 'service.py'),
    `import argparse, http.server
p = argparse.ArgumentParser(); p.add_argument("--host"); p.add_argument("--port", type=int)
a = p.parse_args()
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/health" else 404); self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer((a.host, a.port), Health).serve_forever()
`,
  );
  return { app, config };
}

/** Runs start.sh or stop.sh of the engine folder. */
function run(script, args, { cache, path = `${fakeJavaBin()}:${process.env.PATH}`, env = {} } = {}) {
  const r = spawnSync(bash, [join(engines, script), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, PATH: path, STATEFLOW_CACHE: cache ?? fakeCache(), ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const portOpen = (port) =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
const pidOf = (file) => Number(readFileSync(file, 'utf8').trim());
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// Every application started here is stopped, whatever a test did.
const started = [];
afterEach(() => {
  for (const app of started.splice(0)) run('stop.sh', ['--app', app, '--timeout', '5']);
});

describe('statefun/start.sh and stop.sh', () => {
  it('starts the service, then the JVM, waits until both are ready, and is idempotent', async () => {
    const { app, config } = await fakeApp();
    const cache = fakeCache();
    const path = `${fakeJavaBin()}:${process.env.PATH}`;
    started.push(app);
    const first = run('start.sh', ['--app', app, '--timeout', '30'], { cache, path });
    expect(first.status, first.stderr).toBe(0);
    const rest = first.stdout.trim();
    expect(rest).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(first.stderr).toMatch(/==> starting the function service[^]*service answers after[^]*==> starting Statefun 3\.3\.0[^]*==> Statefun application shop ready in [\d.]+s: requests to topic shop-ingress/);

    const runDir = join(app, 'run');
    const [service, jvm] = [pidOf(join(runDir, 'service.pid')), pidOf(join(runDir, 'jvm.pid'))];
    expect([alive(service), alive(jvm)]).toEqual([true, true]);
    expect((await fetch(`http://127.0.0.1:${config.service.port}/health`)).status).toBe(200);
    expect(await (await fetch(`http://${rest}/jobs/overview`)).json()).toMatchObject({ jobs: [{ state: 'RUNNING' }] });
    // Loopback only, the application's module, the topics to create (not `*`).
    const props = readFileSync(join(runDir, 'conf/flink.properties'), 'utf8');
    for (const line of [
      `statefun.remote.module-name=file://${app}/module.yaml`,
      `rest.port=${rest.split(':')[1]}`,
      'rest.bind-address=127.0.0.1',
      'jobmanager.bind-host=127.0.0.1',
      'taskmanager.bind-host=127.0.0.1',
      `stateflow.bootstrap=127.0.0.1:${kafkaPort}`,
      'stateflow.create-topics=shop-ingress,shop-egress,shop-dead-letter,replies',
      `state.checkpoints.dir=file://${app}/checkpoints`,
    ])
      expect(props).toContain(line);
    expect(props).not.toContain('execution.savepoint.path');
    expect(readFileSync(join(runDir, 'statefun-run.env'), 'utf8')).toContain(`STATEFUN_REST=http://${rest}\n`);

    const again = run('start.sh', ['--app', app], { cache, path });
    expect([again.status, again.stdout.trim()]).toEqual([0, rest]);
    expect(again.stderr).toContain('already running');
    expect(pidOf(join(runDir, 'service.pid'))).toBe(service);

    const stop = run('stop.sh', ['--app', app], { cache });
    expect(stop.status, stop.stderr).toBe(0);
    expect(stop.stderr).toMatch(/stopping the Statefun JVM[^]*stopping the Statefun function service/);
    expect([alive(service), alive(jvm)]).toEqual([false, false]);
    expect(existsSync(join(runDir, 'jvm.pid')) || existsSync(join(runDir, 'service.pid'))).toBe(false);

    const stopAgain = run('stop.sh', ['--app', app, '--clean'], { cache });
    expect(stopAgain.status).toBe(0);
    expect(stopAgain.stderr).toContain('is not running');
    expect(existsSync(runDir)).toBe(false);
  }, 60_000);

  it('restores the newest retained checkpoint unless --fresh', async () => {
    const { app } = await fakeApp();
    const cache = fakeCache();
    const path = `${fakeJavaBin()}:${process.env.PATH}`;
    write(join(app, 'checkpoints/job-1/chk-7/_metadata'), '');
    started.push(app);
    const restored = run('start.sh', ['--app', app, '--timeout', '30'], { cache, path });
    expect(restored.status, restored.stderr).toBe(0);
    expect(readFileSync(join(app, 'run/conf/flink.properties'), 'utf8')).toContain(`execution.savepoint.path=${app}/checkpoints/job-1/chk-7\n`);
    run('stop.sh', ['--app', app], { cache });
    const freshStart = run('start.sh', ['--app', app, '--fresh', '--timeout', '30'], { cache, path });
    expect(freshStart.status, freshStart.stderr).toBe(0);
    expect(readFileSync(join(app, 'run/conf/flink.properties'), 'utf8')).not.toContain('execution.savepoint.path');
  }, 60_000);

  it('stops the service again and shows the logs when the JVM dies during start-up', async () => {
    const { app, config } = await fakeApp();
    started.push(app);
    const r = run('start.sh', ['--app', app, '--timeout', '30'], { env: { FAKE_JAVA: 'exit' } });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/error: the Statefun job \(Flink REST 127\.0\.0\.1:\d+\) exited during start-up/);
    expect(r.stderr).toContain('the stand-in of java was told to fail');
    expect(r.stderr).toMatch(/--- last lines of .*jvm\.log ---/);
    expect(existsSync(join(app, 'run/service.pid'))).toBe(false);
    expect(await portOpen(config.service.port), 'the service still listens').toBe(false);
  }, 60_000);

  it.each([
    ['no --app', () => ({ args: [] }), /^error: name the application to start: start\.sh --app APP/m],
    ['a folder that is not a build', () => ({ args: ['--app', fresh('empty')] }), /is not a built Statefun application \(no statefun-app\.json\); build it with: stateflow build app\.py --target statefun/],
    ['an unknown option', () => ({ args: ['--app', 'x', '--port', '1'] }), /^error: unknown argument '--port' \(see: start\.sh --help\)/m],
    [
      'no Java on PATH',
      async () => {
        const bin = fresh('nojava');
        for (const tool of ['dirname', 'mkdir', 'cat', 'sed', 'rm']) symlinkSync(spawnSync('sh', ['-c', `command -v ${tool}`]).stdout.toString().trim(), join(bin, tool));
        return { args: ['--app', (await fakeApp()).app], path: bin };
      },
      /^error: java not found on PATH; install a JDK 17/m,
    ],
    ['the engine not set up', async () => ({ args: ['--app', (await fakeApp()).app], cache: fresh('empty-cache') }), /^error: Statefun is not set up \(.*statefun\.env does not exist\); run: stateflow engine setup statefun/m],
    ['the jars missing', async () => ({ args: ['--app', (await fakeApp()).app], cache: fakeCache({ jars: false }) }), /^error: the Statefun jars are missing \(no jars in .*libs\); run: stateflow engine setup statefun/m],
    ['a broken statefun-app.json', async () => ({ args: ['--app', (await fakeApp({ json: '{"appName": ' })).app] }), /^error: .*statefun-app\.json cannot be read \(JSONDecodeError: .*\); build the application again/m],
    ['a service host off loopback', async () => ({ args: ['--app', (await fakeApp({ serviceHost: '0.0.0.0' })).app] }), /^error: the function service would listen on 0\.0\.0\.0; this script runs everything on loopback/m],
    ['no Kafka at the bootstrap', async () => ({ args: ['--app', (await fakeApp({ bootstrapPort: await freePort() })).app] }), /^error: no Kafka answers at 127\.0\.0\.1:\d+ \(the application's bootstrap\); start one with: stateflow engine start kafka --port \d+/m],
  ])('refuses to start with %s, saying what to do, and starts nothing', async (_, setup, message) => {
    const { args, ...options } = await setup();
    const r = run('start.sh', args, options);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    const app = args[args.indexOf('--app') + 1];
    if (app && existsSync(join(app, 'run'))) expect(existsSync(join(app, 'run/service.pid'))).toBe(false);
  });

  it('stop.sh asks which application, and stopping nothing is not an error', () => {
    const none = run('stop.sh', []);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/^error: name the application to stop: stop\.sh --app APP/m);
    const nothing = run('stop.sh', ['--app', fresh('never-started')]);
    expect([nothing.status, nothing.stderr]).toEqual([0, expect.stringContaining('nothing was started there')]);
  });

  it('prints its usage with --help', () => {
    for (const script of ['start.sh', 'stop.sh']) {
      const r = run(script, ['--help']);
      expect([r.status, r.stdout]).toEqual([0, expect.stringContaining(`Usage: ${script}`)]);
    }
  });
});
