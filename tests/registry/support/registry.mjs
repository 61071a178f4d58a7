// A throwaway npm registry for the release tests: verdaccio on loopback, its storage and
// configuration in a new temporary folder, no uplinks (a name it does not hold is a 404,
// never a request to the outside). `publishAll` publishes every public package of the
// workspace into it through `pnpm release` itself.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const verdaccioBin = join(dirname(createRequire(import.meta.url).resolve('verdaccio/package.json')), 'bin/verdaccio');

/** A free TCP port on 127.0.0.1 (the OS picks one; it is released before verdaccio binds it). */
function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

const config = (dir) => `# written by tests/registry/support/registry.mjs
storage: ${join(dir, 'storage')}
auth:
  htpasswd:
    file: ${join(dir, 'htpasswd')}
    max_users: 10
# No uplinks: packages this registry does not hold are not fetched from anywhere.
uplinks: {}
packages:
  '**':
    access: $all
    publish: $authenticated
    unpublish: $authenticated
web:
  enable: false
max_body_size: 50mb
log: { type: stdout, format: pretty, level: warn }
`;

async function waitForPing(url, child, output) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited (${child.exitCode}) before answering:\n${output()}`);
    try {
      const res = await fetch(`${url}-/ping`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`verdaccio did not answer ${url}-/ping within 120 s:\n${output()}`);
}

/**
 * Starts verdaccio on 127.0.0.1 and creates a user. Returns the registry's URL (with a
 * trailing slash), an npm user config file holding the user's token (for publishing), and
 * `stop()`, which ends the server and removes its folder.
 */
export async function startRegistry({ log = () => {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'stateflow-registry-'));
  writeFileSync(join(dir, 'config.yaml'), config(dir));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const child = spawn(process.execPath, [verdaccioBin, '--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const t0 = Date.now();
    await waitForPing(url, child, () => output);
    log(`verdaccio on ${url} in ${((Date.now() - t0) / 1000).toFixed(1)} s (storage ${dir})`);
    // npm adduser, as one HTTP call: verdaccio's htpasswd plugin creates the user and answers with a token.
    const res = await fetch(`${url}-/user/org.couchdb.user:release-tests`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'release-tests', password: 'release-tests-password', type: 'user', roles: [] }),
    });
    const body = await res.json();
    if (!res.ok || !body.token) throw new Error(`creating the registry user failed: ${res.status} ${JSON.stringify(body)}`);
    const npmrc = join(dir, 'publish.npmrc');
    writeFileSync(npmrc, `//127.0.0.1:${port}/:_authToken=${body.token}\n`);
    return { url, port, dir, npmrc, stop, output: () => output };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Publishes every public package at its current version, the way a release does:
 * `pnpm release --no-version` (build, then `pnpm -r publish`), pointed at `registry`.
 * The tarball checks are skipped here: `pnpm pack:check` runs them in `pnpm verify`.
 */
export function publishAll(registry, { log = () => {} } = {}) {
  const t0 = Date.now();
  const run = spawnSync('node', [join(repoRoot, 'tools/release.mjs'), '--no-version', '--no-checks', '--no-git-tag', '--registry', registry.url], {
    cwd: repoRoot,
    env: { ...process.env, NPM_CONFIG_USERCONFIG: registry.npmrc },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (run.status !== 0) throw new Error(`pnpm release into ${registry.url} failed (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  log(`published every public package in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return `${run.stdout}\n${run.stderr}`;
}
