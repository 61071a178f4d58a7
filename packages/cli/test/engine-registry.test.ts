// `stateflow engine` and the registry behind it (@stateflow/engine-harness/engines): engines
// are found by folder (engine.json, or a bare setup.sh, as a new engine adds), set up with
// their requirements first, with progress output and the cache passed to the scripts.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheDir } from '@stateflow/engine-harness';
import { EngineManifestError, EngineScriptError, listEngines, setupEngines, setupOrder, UnknownEngineError } from '@stateflow/engine-harness/engines';
import { findFlinkEnv } from '@stateflow/backend-flink';
import { findLambdaEnv } from '@stateflow/backend-lambda';
import { runDir } from '../src/commands/target.js';
import { cli, hasStackTrace } from './run-cli.js';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sf-cli-engines-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A folder of engines: `files` maps a relative path to its content. */
function enginesDir(files: { [path: string]: string }): string {
  const dir = temp();
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
    if (path.endsWith('.sh')) chmodSync(join(dir, path), 0o644); // run through bash, executable or not
  }
  return dir;
}

const script = (name: string) => `echo "==> ${name} progress" >&2\necho "${name}" >> "$STATEFLOW_CACHE/order"\n`;

describe('the engine registry', () => {
  it('finds engines by manifest and by a bare setup.sh, and orders requirements first', () => {
    const dir = enginesDir({
      'broker/engine.json': JSON.stringify({ name: 'broker', description: 'a broker', setup: 'broker/fetch.sh', envFile: 'broker.env' }),
      'broker/fetch.sh': script('broker'),
      'stream/engine.json': JSON.stringify({ name: 'stream', description: 'a stream engine', requires: ['broker'], setup: ['stream/setup.sh'] }),
      'stream/setup.sh': script('stream'),
      'newcomer/setup.sh': script('newcomer'),
      'newcomer/start.sh': 'echo started\n',
      'notes/README.md': 'not an engine',
    });
    expect(listEngines(dir).map((e) => e.name)).toEqual(['broker', 'newcomer', 'stream']);
    expect(setupOrder(['stream', 'newcomer', 'broker'], dir).map((e) => e.name)).toEqual(['broker', 'stream', 'newcomer']);
    expect(listEngines(dir).find((e) => e.name === 'newcomer')).toMatchObject({ setup: ['newcomer/setup.sh'], start: 'newcomer/start.sh' });
    expect(() => setupOrder(['nope'], dir)).toThrow(UnknownEngineError);
  });

  it('runs the setup scripts in order with the cache and shows their progress', async () => {
    const dir = enginesDir({
      'broker/engine.json': JSON.stringify({ setup: 'broker/fetch.sh' }),
      'broker/fetch.sh': script('broker'),
      'stream/engine.json': JSON.stringify({ requires: ['broker'], setup: ['stream/setup.sh'] }),
      'stream/setup.sh': script('stream'),
    });
    const cache = temp();
    let output = '';
    const timings = await setupEngines(['stream'], { dir, env: { ...process.env, STATEFLOW_CACHE: cache }, onOutput: (t) => (output += t) });
    expect(timings.map((t) => t.name)).toEqual(['broker', 'stream']);
    expect(readFileSync(join(cache, 'order'), 'utf8')).toBe('broker\nstream\n');
    expect(output).toMatch(/==> setting up broker[^]*==> broker progress[^]*==> setting up stream[^]*==> stream progress/);
  });

  it('fails before running anything when a tool is missing, and names a failed script', async () => {
    const dir = enginesDir({
      'first/engine.json': JSON.stringify({ setup: 'first/setup.sh' }),
      'first/setup.sh': script('first'),
      'second/engine.json': JSON.stringify({ requires: ['first'], setup: 'second/setup.sh', tools: ['no-such-program-here'] }),
      'second/setup.sh': 'echo "error: it broke" >&2; exit 3\n',
    });
    const cache = temp();
    const env = { ...process.env, STATEFLOW_CACHE: cache };
    await expect(setupEngines(['second'], { dir, env, onOutput: () => undefined })).rejects.toThrow(/needs no-such-program-here on PATH; install it/);
    expect(() => readFileSync(join(cache, 'order'))).toThrow();
    writeFileSync(join(dir, 'second/engine.json'), JSON.stringify({ requires: ['first'], setup: 'second/setup.sh' }));
    let output = '';
    const failed = setupEngines(['second'], { dir, env, onOutput: (t) => (output += t) });
    await expect(failed).rejects.toThrow(EngineScriptError);
    await expect(failed).rejects.toThrow('second/setup.sh failed (exit 3)');
    expect(output).toContain('error: it broke');
  });

  it('rejects a manifest naming a script that does not exist', () => {
    const dir = enginesDir({ 'bad/engine.json': JSON.stringify({ setup: 'bad/missing.sh' }) });
    expect(() => listEngines(dir)).toThrow(EngineManifestError);
    expect(() => listEngines(dir)).toThrow(/bad\/engine.json: the script bad\/missing.sh does not exist/);
  });

  it('puts the cache in STATEFLOW_CACHE, else under XDG_CACHE_HOME, else ~/.cache', () => {
    expect(cacheDir({ STATEFLOW_CACHE: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c');
    expect(cacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/stateflow');
    expect(cacheDir({ XDG_CACHE_HOME: 'relative' })).toMatch(/\.cache\/stateflow$/);
  });

  it('is the cache the backends read and stateflow run builds in', () => {
    const xdg = temp();
    const cache = join(xdg, 'stateflow');
    mkdirSync(cache);
    writeFileSync(join(cache, 'tool'), '');
    writeFileSync(join(cache, 'flink.env'), `FLINK_PYTHON=${join(cache, 'tool')}\nFLINK_KAFKA_JAR=${join(cache, 'tool')}\n`);
    writeFileSync(join(cache, 'lambda.env'), `LAMBDA_RIE=${join(cache, 'tool')}\nLAMBDA_PYTHON=${join(cache, 'tool')}\n`);
    const env = { XDG_CACHE_HOME: xdg };
    expect(cacheDir(env)).toBe(cache);
    expect(findFlinkEnv(env).file).toBe(join(cache, 'flink.env'));
    expect(findLambdaEnv(env).file).toBe(join(cache, 'lambda.env'));
    expect(runDir('flink', 'app.py', env).startsWith(join(cache, 'apps') + '/')).toBe(true);
  });
});

describe('stateflow engine', () => {
  it('lists the shipped engines', async () => {
    const run = await cli(['engine', 'list']);
    expect(run.status, run.stderr).toBe(0);
    for (const name of ['kafka', 'flink', 'lambda']) expect(run.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(run.stdout).toContain('requires kafka');
  });

  it.each([
    [['engine'], /^stateflow engine: missing what to do/],
    [['engine', 'setup'], /^stateflow engine setup: name the engine/],
    [['engine', 'setup', 'nosuchengine'], /^stateflow engine setup: no engine 'nosuchengine' \(engines: .*flink.*\); stateflow engine list shows them/],
    [['engine', 'start', 'flink'], /^stateflow engine start: the flink engine has nothing to start/],
    [['engine', 'fly'], /^stateflow engine: unknown subcommand 'fly'/],
  ])('%j is a usage error (exit 2, no stack)', async (args, message) => {
    const run = await cli(args);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(hasStackTrace(run.stderr)).toBe(false);
  });

  it('prints its help', async () => {
    const run = await cli(['engine', '--help']);
    expect([run.status, run.stdout]).toEqual([0, expect.stringContaining('stateflow engine setup <engine>')]);
  });
});
