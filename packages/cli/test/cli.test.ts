import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasStackTrace, runBin, startServe } from './run-bin.js';

const tmp = mkdtempSync(join(tmpdir(), 'stateflow-cli-'));
const SHOP = 'examples/shop/app.py';
const SHOP_IR = 'packages/ir/test/fixtures/shop.ir.json';

const missingKey = join(tmp, 'missing_key.py');
writeFileSync(
  missingKey,
  `from stateflow import stateflow


@stateflow
class Counter:
    def __init__(self, name: str):
        self.name: str = name
`,
);
const syntaxError = join(tmp, 'syntax_error.py');
writeFileSync(syntaxError, 'def broken(:\n    pass\n');


describe('stateflow (no command, help, version)', () => {
  it('prints the usage for --help and with no arguments', () => {
    for (const args of [['--help'], ['-h'], [], ['help']]) {
      const run = runBin(args);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^Usage: stateflow <command>/);
      expect(run.stdout).toContain('compile <app.py>');
    }
  });

  it('prints command help for <command> --help', () => {
    for (const command of ['compile', 'serve', 'graph']) {
      const run = runBin([command, '--help']);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^Usage: stateflow ${command} `));
    }
    expect(runBin(['help', 'serve']).stdout).toContain('--python-host');
  });

  it('prints the version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(runBin(['--version'])).toEqual({ status: 0, stdout: `stateflow ${pkg.version}\n`, stderr: '' });
  });

  it('exits 2 with the usage for an unknown command or option, without a stack trace', () => {
    for (const args of [['frobnicate'], ['--frob']]) {
      const run = runBin(args);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/^stateflow: unknown (command|option) '/);
      expect(run.stderr).toContain('Usage: stateflow <command>');
      expect(hasStackTrace(run.stderr)).toBe(false);
    }
  });
});

describe('stateflow compile', () => {
  it('prints the IR of the shop example', () => {
    const run = runBin(['compile', SHOP]);
    expect(run.status).toBe(0);
    const program = JSON.parse(run.stdout);
    expect(program.kind).toBe('Program');
    expect(program.entities.map((e: { name: string }) => e.name)).toEqual(['Item', 'User']);
    expect(run.stderr).toBe('');
  });

  it('writes the IR with -o and prints a one-line summary', () => {
    const out = join(tmp, 'shop.ir.json');
    const run = runBin(['compile', SHOP, '-o', out]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^wrote .*shop\.ir\.json: 2 entities \(Item, User\), \d+ methods, \d+ split\n$/);
    expect(JSON.parse(readFileSync(out, 'utf8')).kind).toBe('Program');
  });

  it('exits 1 with path:line:col diagnostics on stderr for an invalid program', () => {
    const run = runBin(['compile', missingKey]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^.*missing_key\.py:\d+:\d+: error SF2\d{3}: .+$/m);
    expect(run.stderr).toMatch(/^ {2}help: .+$/m);
    expect(run.stderr).toMatch(/^\d+ errors?$/m);
    expect(hasStackTrace(run.stderr)).toBe(false);
  });

  it('reports syntax errors with an SF1xxx code', () => {
    const run = runBin(['compile', syntaxError]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/syntax_error\.py:1:\d+: error SF1\d{3}: /);
  });

  it('prints diagnostics as a JSON array on stdout with --format json', () => {
    const run = runBin(['compile', missingKey, '--format', 'json']);
    expect(run.status).toBe(1);
    const diagnostics = JSON.parse(run.stdout);
    expect(Array.isArray(diagnostics)).toBe(true);
    expect(diagnostics[0]).toMatchObject({ code: expect.stringMatching(/^SF2\d{3}$/), severity: 'error', file: missingKey });
  });

  it('exits 2 for a missing file, a bad flag, a bad --format, or no file', () => {
    const cases: Array<[string[], RegExp]> = [
      [['compile', 'nope.py'], /^stateflow: cannot read nope\.py: no such file\n$/],
      [['compile', SHOP, '--bogus'], /^stateflow compile: Unknown option '--bogus'/],
      [['compile', SHOP, '--format', 'xml'], /^stateflow compile: --format must be one of text, json \(got 'xml'\)/],
      [['compile'], /^stateflow compile: missing the program file/],
      [['compile', SHOP, SHOP], /^stateflow compile: expected one program file, got 2/],
    ];
    for (const [args, message] of cases) {
      const run = runBin(args);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(hasStackTrace(run.stderr)).toBe(false);
    }
    expect(runBin(['compile', SHOP, '--bogus']).stderr).toContain('Usage: stateflow compile');
  });

  it('accepts an IR file and checks it', () => {
    expect(runBin(['compile', SHOP_IR]).status).toBe(0);
    const bad = join(tmp, 'bad.ir.json');
    writeFileSync(bad, JSON.stringify({ kind: 'Program', irVersion: '9.0.0' }));
    const run = runBin(['compile', bad]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/bad\.ir\.json.*error SF4001: /);
    const notJson = join(tmp, 'not.json');
    writeFileSync(notJson, '{');
    expect(runBin(['compile', notJson])).toMatchObject({ status: 1, stderr: expect.stringMatching(/is not valid JSON/) });
  });
});

describe('stateflow graph', () => {
  it('prints the dataflow graph as Mermaid by default and as DOT on request', () => {
    const mermaid = runBin(['graph', SHOP]);
    expect(mermaid.status).toBe(0);
    expect(mermaid.stdout).toMatch(/^flowchart/);
    const dot = runBin(['graph', SHOP, '--format', 'dot']);
    expect(dot.status).toBe(0);
    expect(dot.stdout).toMatch(/^digraph/);
  });

  it('draws one method with --method', () => {
    const run = runBin(['graph', SHOP, '--method', 'User.buy_item']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('b1');
  });

  it('exits 2 listing the methods for an unknown --method', () => {
    const run = runBin(['graph', SHOP, '--method', 'User.fly']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('User.buy_item');
    expect(hasStackTrace(run.stderr)).toBe(false);
  });

  it('exits 1 with diagnostics for an invalid program', () => {
    expect(runBin(['graph', missingKey]).status).toBe(1);
  });
});

describe('stateflow serve', () => {
  it('serves the shop on a free port, logs requests and stops on SIGINT', async () => {
    const server = startServe([SHOP, '--port', '0', '--python-host', 'subprocess', '--in-memory']);
    const url = await server.ready;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/Item`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ args: ['coke', 2] }) });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ key: 'coke' });
    const { stdout } = server.output();
    expect(stdout).toMatch(/^StateFlow serving examples\/shop\/app\.py \(entities: Item, User\) on http:\/\/127\.0\.0\.1:\d+\n/);
    expect(stdout).toMatch(/^try: curl -s -X POST http:\/\/127\.0\.0\.1:\d+\/Item /m);
    server.signal('SIGINT');
    expect(await server.exited).toBe(0);
    expect(server.output().stderr).toMatch(/POST \/Item 201 \d+ms/);
  });

  it('stops on SIGTERM too', async () => {
    const server = startServe([SHOP_IR, '--port', '0', '--python-host', 'subprocess', '--in-memory']);
    await server.ready;
    server.signal('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('exits 1 with diagnostics when the program does not compile', () => {
    const run = runBin(['serve', missingKey, '--port', '0']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/error SF2\d{3}: /);
  });

  it('exits 2 for a bad --port or --python-host', () => {
    for (const args of [
      [SHOP, '--port', 'http'],
      [SHOP, '--port', '70000'],
      [SHOP, '--python-host', 'jython'],
    ]) {
      const run = runBin(['serve', ...args]);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/^stateflow serve: --(port|python-host) must be/);
    }
  });

  it('exits 1 with a clear message when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = runBin(['serve', SHOP, '--port', String(port), '--python-host', 'subprocess', '--in-memory']);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`port ${port} is already in use`);
      expect(hasStackTrace(run.stderr)).toBe(false);
    } finally {
      blocker.close();
    }
  });
});
