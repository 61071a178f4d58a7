import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COUNTER_APP, installStats, neededPackage, newProject, ok, ours, record, removeProject, run, serveAndCall, type Run } from './support/project.js';

// (1) A new user with npm: install the CLI from the registry, compile, serve, one call.

const dir = newProject('npm-user', { 'app.py': COUNTER_APP });
const installed: string[] = [];
afterAll(() => removeProject(dir));

describe.sequential('npm: install the CLI, compile, serve', () => {
  it('npm install @stateflow/cli', () => {
    ok(dir, 'npm', ['install', '@stateflow/cli']);
    installed.push('@stateflow/cli');
    const stats = installStats(dir, 'npm');
    record('npm i @stateflow/cli (compile only)', stats);
    expect(ours(stats)).toContain('@stateflow/cli');
  });

  it('npx stateflow compile app.py', () => {
    const r = ok(dir, 'npx', ['stateflow', 'compile', 'app.py', '-o', 'app.ir.json']);
    expect(`${r.stdout}${r.stderr}`).toContain('wrote app.ir.json: 1 entity (Counter), 1 method');
    const ir = JSON.parse(readFileSync(join(dir, 'app.ir.json'), 'utf8')) as { irVersion: string; entities: { name: string }[] };
    expect(ir.entities.map((e) => e.name)).toEqual(['Counter']);
  });

  it('npx stateflow serve answers an HTTP call (installing what serve asks for)', async () => {
    // A lean CLI names the package a command needs; the user installs it and runs again.
    let answer: Awaited<ReturnType<typeof serveAndCall>> | undefined;
    for (let attempt = 0; attempt < 4 && !answer; attempt++) {
      try {
        answer = await serveAndCall(dir, 'npx', ['stateflow', 'serve', 'app.py', '--port', '0', '--workers', '1']);
      } catch (err) {
        const pkg = neededPackage(String(err));
        if (!pkg) throw err;
        const r: Run = run(dir, 'npm', ['install', pkg]);
        expect(r.code, r.stderr).toBe(0);
        installed.push(pkg);
      }
    }
    expect(answer).toBeDefined();
    expect(answer!.created).toEqual({ status: 201, body: { key: 'clicks' } });
    expect(answer!.added).toEqual({ status: 200, body: { result: 5 } });
    process.stdout.write(`[registry-tests] npm: serve (Pyodide) listening after ${answer!.startSeconds.toFixed(1)} s\n`);
    record(`npm i ${installed.join(' ')} (serve)`, installStats(dir, 'npm'));
  });
});
