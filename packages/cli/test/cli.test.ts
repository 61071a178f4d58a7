import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin, spawnServe } from './run-bin.js';
import { cli, hasStackTrace, startServe } from './run-cli.js';

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
  it('prints the usage for --help and with no arguments', async () => {
    for (const args of [['--help'], ['-h'], [], ['help']]) {
      const run = await cli(args);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^Usage: stateflow <command>/);
      expect(run.stdout).toContain('compile <app.py>');
    }
  });

  it('prints command help for <command> --help', async () => {
    for (const command of ['compile', 'serve', 'graph']) {
      const run = await cli([command, '--help']);
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^Usage: stateflow ${command} `));
    }
    expect((await cli(['help', 'serve'])).stdout).toContain('--python-host');
  });

  it('prints the usage of each command for help <command>, build and run included', async () => {
    for (const command of ['compile', 'serve', 'graph', 'build', 'run', 'state', 'codegen', 'engine']) {
      const run = await cli(['help', command]);
      expect(run).toMatchObject({ status: 0, stderr: '' });
      expect(run.stdout).toMatch(new RegExp(`^Usage: stateflow ${command} `));
    }
  });

  it('prints the version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(await cli(['--version'])).toEqual({ status: 0, stdout: `stateflow ${pkg.version}\n`, stderr: '' });
  });

  it('exits 2 with the usage for an unknown command or option, without a stack trace', async () => {
    for (const args of [['frobnicate'], ['--frob']]) {
      const run = await cli(args);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/^stateflow: unknown (command|option) '/);
      expect(run.stderr).toContain('Usage: stateflow <command>');
      expect(hasStackTrace(run.stderr)).toBe(false);
    }
  });
});

describe('stateflow compile', () => {
  it('prints the IR of the shop example', async () => {
    const run = await cli(['compile', SHOP]);
    expect(run.status).toBe(0);
    const program = JSON.parse(run.stdout);
    expect(program.kind).toBe('Program');
    expect(program.entities.map((e: { name: string }) => e.name)).toEqual(['Item', 'User']);
    expect(run.stderr).toBe('');
  });

  it('writes the IR with -o and prints a one-line summary', async () => {
    const out = join(tmp, 'shop.ir.json');
    const run = await cli(['compile', SHOP, '-o', out]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^wrote .*shop\.ir\.json: 2 entities \(Item, User\), \d+ methods, \d+ split\n$/);
    expect(JSON.parse(readFileSync(out, 'utf8')).kind).toBe('Program');
  });

  it('exits 1 with path:line:col diagnostics on stderr for an invalid program', async () => {
    const run = await cli(['compile', missingKey]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^.*missing_key\.py:\d+:\d+: error SF2\d{3}: .+$/m);
    expect(run.stderr).toMatch(/^ {2}help: .+$/m);
    expect(run.stderr).toMatch(/^\d+ errors?$/m);
    expect(hasStackTrace(run.stderr)).toBe(false);
  });

  it('reports syntax errors with an SF1xxx code', async () => {
    const run = await cli(['compile', syntaxError]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/syntax_error\.py:1:\d+: error SF1\d{3}: /);
  });

  it('prints diagnostics as a JSON array on stdout with --format json', async () => {
    const run = await cli(['compile', missingKey, '--format', 'json']);
    expect(run.status).toBe(1);
    const diagnostics = JSON.parse(run.stdout);
    expect(Array.isArray(diagnostics)).toBe(true);
    expect(diagnostics[0]).toMatchObject({ code: expect.stringMatching(/^SF2\d{3}$/), severity: 'error', file: missingKey });
  });

  it('exits 2 for a missing file, a bad flag, a bad --format, or no file', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['compile', 'nope.py'], /^stateflow: cannot read nope\.py: no such file\n$/],
      [['compile', SHOP, '--bogus'], /^stateflow compile: Unknown option '--bogus'/],
      [['compile', SHOP, '--format', 'xml'], /^stateflow compile: --format must be one of text, json \(got 'xml'\)/],
      [['compile'], /^stateflow compile: missing the program file/],
      [['compile', SHOP, SHOP], /^stateflow compile: expected one program file, got 2/],
    ];
    for (const [args, message] of cases) {
      const run = await cli(args);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(hasStackTrace(run.stderr)).toBe(false);
    }
    expect((await cli(['compile', SHOP, '--bogus'])).stderr).toContain('Usage: stateflow compile');
  });

  it('accepts an IR file and checks it', async () => {
    expect((await cli(['compile', SHOP_IR])).status).toBe(0);
    const bad = join(tmp, 'bad.ir.json');
    writeFileSync(bad, JSON.stringify({ kind: 'Program', irVersion: '9.0.0' }));
    const run = await cli(['compile', bad]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/bad\.ir\.json.*error SF4001: /);
    const notJson = join(tmp, 'not.json');
    writeFileSync(notJson, '{');
    expect(await cli(['compile', notJson])).toMatchObject({ status: 1, stderr: expect.stringMatching(/is not valid JSON/) });
  });
});

describe('stateflow graph', () => {
  it('prints the dataflow graph as Mermaid by default and as DOT on request', async () => {
    const mermaid = await cli(['graph', SHOP]);
    expect(mermaid.status).toBe(0);
    expect(mermaid.stdout).toMatch(/^flowchart/);
    const dot = await cli(['graph', SHOP, '--format', 'dot']);
    expect(dot.status).toBe(0);
    expect(dot.stdout).toMatch(/^digraph/);
  });

  it('draws one method with --method', async () => {
    const run = await cli(['graph', SHOP, '--method', 'User.buy_item']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('b1');
  });

  it('exits 2 listing the methods for an unknown --method', async () => {
    const run = await cli(['graph', SHOP, '--method', 'User.fly']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('User.buy_item');
    expect(hasStackTrace(run.stderr)).toBe(false);
  });

  it('exits 1 with diagnostics for an invalid program', async () => {
    expect((await cli(['graph', missingKey])).status).toBe(1);
  });
});

describe('stateflow serve', () => {
  it('serves the shop on a free port, logs requests and stops when asked', async () => {
    const server = startServe([SHOP, '--port', '0', '--python-host', 'subprocess', '--in-memory']);
    const url = await server.ready;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/Item`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ args: ['coke', 2] }) });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ key: 'coke' });
    const { stdout } = server.output();
    expect(stdout).toMatch(/^StateFlow serving examples\/shop\/app\.py \(entities: Item, User\) on http:\/\/127\.0\.0\.1:\d+\n/);
    expect(stdout).toMatch(/^try: curl -s -X POST http:\/\/127\.0\.0\.1:\d+\/Item /m);
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(server.output().stderr).toMatch(/POST \/Item 201 \d+ms/);
    expect(server.output().stderr).toContain('SIGTERM: stopping');
  });

  it('serves a compiled IR file too', async () => {
    const server = startServe([SHOP_IR, '--port', '0', '--python-host', 'subprocess', '--in-memory']);
    const url = await server.ready;
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(await server.stop()).toBe(0);
  });

  it('exits 1 with diagnostics when the program does not compile', async () => {
    const run = await cli(['serve', missingKey, '--port', '0']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/error SF2\d{3}: /);
  });

  it('exits 2 for a bad --port or --python-host', async () => {
    for (const args of [
      [SHOP, '--port', 'http'],
      [SHOP, '--port', '70000'],
      [SHOP, '--python-host', 'jython'],
    ]) {
      const run = await cli(['serve', ...args]);
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/^stateflow serve: --(port|python-host) must be/);
    }
  });

  it('exits 1 with a clear message when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = await cli(['serve', SHOP, '--port', String(port), '--python-host', 'subprocess', '--in-memory']);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`port ${port} is already in use`);
      expect(hasStackTrace(run.stderr)).toBe(false);
    } finally {
      blocker.close();
    }
  });
});

// The few tests that need a real process: the bin's wiring, its exit status, and signals.
describe('the stateflow binary (smoke)', () => {
  it('exits with the status runCli returns and prints to the process streams', () => {
    expect(runBin(['--version'])).toMatchObject({ status: 0, stdout: expect.stringMatching(/^stateflow \d+\.\d+\.\d+/) });
    const run = runBin(['frobnicate']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^stateflow: unknown command 'frobnicate'/);
  });

  it('serves until SIGINT, then stops cleanly (exit 0)', async () => {
    const server = spawnServe([SHOP, '--port', '0', '--python-host', 'subprocess', '--in-memory']);
    const url = await server.ready;
    expect((await fetch(`${url}/Item`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ args: ['coke', 2] }) })).status).toBe(201);
    server.signal('SIGINT');
    expect(await server.exited).toBe(0);
    expect(server.output().stderr).toContain('SIGINT: stopping');
  });
});
