// The engine registry: which engines this folder can set up, start and stop, and the code
// that does it for both `stateflow engine ...` (the CLI) and the repository's own test
// set-up (tools/test-all.sh calls the CLI). An engine is a folder here with an
// `engine.json` manifest (see README.md, "Engine manifests"); a folder with only a
// `setup.sh` counts too, so a new engine slots in by adding its folder.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { cacheDir, ENGINES_DIR } from './harness.mjs';

/** A manifest field that is wrong: names the file and the field. */
export class EngineManifestError extends Error {
  name = 'EngineManifestError';
}

/** No engine of that name; `known` lists the ones there are. */
export class UnknownEngineError extends Error {
  name = 'UnknownEngineError';
  constructor(name, known) {
    super(`no engine '${name}' (engines: ${known.join(', ') || 'none'})`);
    this.engine = name;
    this.known = known;
  }
}

/** A script of an engine failed; its output was already shown. */
export class EngineScriptError extends Error {
  name = 'EngineScriptError';
}

const optionalString = (file, manifest, key) => {
  const v = manifest[key];
  if (v !== undefined && typeof v !== 'string') throw new EngineManifestError(`${file}: "${key}" must be a string`);
  return v;
};
const stringList = (file, manifest, key) => {
  const v = manifest[key] ?? [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new EngineManifestError(`${file}: "${key}" must be a list of strings`);
  return v;
};

/** Reads one engine folder: its manifest, or a bare `setup.sh`. Undefined when the folder is no engine. */
function readEngine(dir, folder) {
  const file = join(dir, folder, 'engine.json');
  if (!existsSync(file)) {
    if (!existsSync(join(dir, folder, 'setup.sh'))) return undefined;
    const bare = { name: folder, description: `${folder} (${folder}/setup.sh)`, requires: [], setup: [`${folder}/setup.sh`], tools: [], dir: join(dir, folder) };
    for (const what of ['start', 'stop']) if (existsSync(join(dir, folder, `${what}.sh`))) bare[what] = `${folder}/${what}.sh`;
    return bare;
  }
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new EngineManifestError(`${file}: not valid JSON (${err.message})`);
  }
  const setup = manifest.setup === undefined ? [] : typeof manifest.setup === 'string' ? [manifest.setup] : stringList(file, manifest, 'setup');
  const engine = {
    name: optionalString(file, manifest, 'name') ?? folder,
    description: optionalString(file, manifest, 'description') ?? folder,
    requires: stringList(file, manifest, 'requires'),
    setup,
    tools: stringList(file, manifest, 'tools'),
    dir: join(dir, folder),
  };
  for (const key of ['start', 'stop', 'envFile', 'size']) {
    const v = optionalString(file, manifest, key);
    if (v !== undefined) engine[key] = v;
  }
  for (const script of [...engine.setup, engine.start, engine.stop].filter(Boolean)) {
    if (!existsSync(join(dir, script))) throw new EngineManifestError(`${file}: the script ${script} does not exist`);
  }
  return engine;
}

/** Every engine of `dir` (default this folder), sorted by name. */
export function listEngines(dir = ENGINES_DIR) {
  const engines = [];
  for (const folder of readdirSync(dir).sort()) {
    if (folder.startsWith('.') || folder === 'node_modules' || !statSync(join(dir, folder)).isDirectory()) continue;
    const engine = readEngine(dir, folder);
    if (engine) engines.push(engine);
  }
  return engines;
}

/** The engine called `name`; throws {@link UnknownEngineError}. */
export function findEngine(name, dir = ENGINES_DIR) {
  const engines = listEngines(dir);
  const found = engines.find((e) => e.name === name);
  if (!found) throw new UnknownEngineError(name, engines.map((e) => e.name));
  return found;
}

/** `name` and what it requires, requirements first, each once. */
export function setupOrder(names, dir = ENGINES_DIR) {
  const order = [];
  const visit = (name, path) => {
    if (path.includes(name)) throw new EngineManifestError(`engines require each other in a circle: ${[...path, name].join(' -> ')}`);
    if (order.some((e) => e.name === name)) return;
    const engine = findEngine(name, dir);
    for (const r of engine.requires) visit(r, [...path, name]);
    order.push(engine);
  };
  for (const name of names) visit(name, []);
  return order;
}

/** Whether `engine` was set up in the cache (its env file exists), or undefined when it names none. */
export function isSetUp(engine, env = process.env) {
  return engine.envFile ? existsSync(join(cacheDir(env), engine.envFile)) : undefined;
}

/** The programs of `tools` that are not on PATH (`python3 (3.9-3.12)` checks `python3`). */
export function missingTools(tools, env = process.env) {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  return tools.filter((tool) => {
    const program = tool.split(/\s/)[0];
    // The scripts take another interpreter from PYTHON (PYTHON=/path/to/python3.11).
    if (program === 'python3' && env.PYTHON) return false;
    return !dirs.some((d) => existsSync(join(d, program)));
  });
}

/**
 * Runs one script of this folder with bash, with STATEFLOW_CACHE set, its stderr (the
 * progress lines) passed to `onOutput` as it comes, and a line every `heartbeatMs` of
 * silence so that a long download does not look like a hang. Resolves with its stdout.
 */
export function runEngineScript(script, args = [], { env = process.env, dir = ENGINES_DIR, onOutput = (t) => process.stderr.write(t), heartbeatMs = 20_000 } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn('bash', [join(dir, script), ...args], {
      env: { ...env, STATEFLOW_CACHE: cacheDir(env) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let last = Date.now();
    const timer = setInterval(() => {
      if (Date.now() - last >= heartbeatMs) {
        onOutput(`    ... still working on ${script} (${Math.round((Date.now() - started) / 1000)} s)\n`);
        last = Date.now();
      }
    }, Math.min(heartbeatMs, 5_000));
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      last = Date.now();
      onOutput(chunk.toString('utf8'));
    });
    child.on('error', (err) => {
      clearInterval(timer);
      reject(new EngineScriptError(`cannot run ${script} with bash: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearInterval(timer);
      if (code === 0) resolve(stdout);
      else reject(new EngineScriptError(`${script} failed (${signal ?? `exit ${code}`}); its output above says why`));
    });
  });
}

/**
 * Sets up `names` and the engines they require, in order, each through its setup
 * scripts (idempotent: what is in the cache is not fetched again). Checks every
 * engine's tools first and fails before any download when one is missing.
 * Resolves with each engine's name and seconds taken.
 */
export async function setupEngines(names, { env = process.env, dir = ENGINES_DIR, onOutput = (t) => process.stderr.write(t) } = {}) {
  const order = setupOrder(names, dir);
  const missing = [...new Set(order.flatMap((e) => missingTools(e.tools, env)))];
  if (missing.length > 0) {
    throw new EngineScriptError(`setting up ${order.map((e) => e.name).join(', ')} needs ${missing.join(', ')} on PATH; install ${missing.length === 1 ? 'it' : 'them'} and run again`);
  }
  const timings = [];
  for (const engine of order) {
    const t0 = Date.now();
    onOutput(`==> setting up ${engine.name}: ${engine.description}${engine.size ? ` (${engine.size} in the cache)` : ''}\n`);
    for (const script of engine.setup) await runEngineScript(script, [], { env, dir, onOutput });
    timings.push({ name: engine.name, seconds: (Date.now() - t0) / 1000 });
  }
  return timings;
}
