import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { containsInOrder, lineMatches, readDocBlocks, type DocBlock, type DocCommand } from './support/doc-blocks.js';
import { BIN, ROOT } from './support/paths.js';
import { startServe, type Served } from './support/serve.js';

/**
 * Every `sh` block of the README, Getting started and Install with npm runs here, in a
 * fresh folder, against a fresh `stateflow serve` on a free port, and the outputs the
 * page shows are checked. `stateflow`, `pnpm stateflow`, `pnpm exec stateflow`,
 * `npx stateflow` and `npx -p @stateflow/cli stateflow` all run the repository's built
 * CLI (what a user's install puts in `node_modules/.bin`). The marker format is
 * described in `support/doc-blocks.ts`.
 */
const PAGES = ['README.md', 'apps/docs/guide/getting-started.md', 'apps/docs/guide/install-with-npm.md'];

/** The port the pages use; each run replaces it with the server's real one. */
const DOC_PORT = 8080;

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe('the command blocks of the docs', () => {
  for (const page of PAGES) {
    it(`runs every sh block of ${page} and finds the outputs it shows`, async () => {
      const blocks = readDocBlocks(readFileSync(join(ROOT, page), 'utf8'), page);
      expect(blocks.filter((b) => b.kind === 'commands').length).toBeGreaterThan(0);
      await runPage(page, blocks);
    }, 600_000);
  }
});

/** Runs the blocks of one page in order, in a fresh folder where `examples/` is the repository's. */
async function runPage(page: string, blocks: DocBlock[]): Promise<void> {
  const cwd = mkdtempSync(join(tmpdir(), 'stateflow-doc-'));
  folders.push(cwd);
  symlinkSync(join(ROOT, 'examples'), join(cwd, 'examples'));
  let server: Served | undefined;
  let port = DOC_PORT;
  let lastOutput = '';
  let servers = 0;
  const withPort = (text: string) => text.replace(new RegExp(`\\b(localhost|127\\.0\\.0\\.1):${DOC_PORT}\\b`, 'g'), `$1:${port}`);
  try {
    for (const block of blocks) {
      const where = `${page}:${block.line}`;
      if (block.kind === 'skipped') {
        expect(block.reason.trim(), `${where}: a skipped block says why`).not.toBe('');
      } else if (block.kind === 'file') {
        writeFileSync(join(cwd, block.name), block.text);
      } else if (block.kind === 'output') {
        const expected = block.expected.map(withPort);
        // A server prints its last lines just after the URL: give them a moment.
        for (let i = 0; i < 50 && !containsInOrder(expected, lastOutput) && server; i++) {
          await new Promise((done) => setTimeout(done, 100));
          lastOutput = `${server.stderr()}\n${server.stdout()}`;
        }
        expect(containsInOrder(expected, lastOutput), `${where}: the output shown is not what it printed:\n${lastOutput}`).toBe(true);
      } else {
        for (const command of block.commands) {
          const serveArgs = serveCommandArgs(command);
          if (serveArgs) {
            if (server) expect(await server.stop(), `${where}: the previous server stops cleanly`).toBe(0);
            server = await startServe(docServeArgs(serveArgs, join(cwd, `data-${++servers}`)), cwd);
            port = Number(new URL(server.url).port);
            lastOutput = `${server.stderr()}\n${server.stdout()}`;
          }
        }
        const plain = block.commands.filter((c) => !serveCommandArgs(c));
        if (plain.length > 0) lastOutput = runCommands(plain.map((c) => ({ ...c, text: withPort(c.text), expected: c.expected.map(withPort) })), cwd, page);
      }
    }
  } finally {
    if (server) expect(await server.stop()).toBe(0);
  }
}

/** The arguments of a `stateflow serve` command, or undefined for any other command. */
function serveCommandArgs(command: DocCommand): string[] | undefined {
  const match = /^(?:pnpm (?:exec )?|npx (?:-p @stateflow\/cli )?)?stateflow serve\s+(.*?)\s*(?:#.*)?$/.exec(command.text);
  return match ? match[1]!.split(/\s+/) : undefined;
}

/** The page's serve arguments on a free port, with one worker and a fresh data directory. */
function docServeArgs(args: string[], dataDir: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--port' || args[i] === '-p') i++;
    else out.push(args[i]!);
  }
  out.push('--port', '0', '--workers', '1');
  if (!out.includes('--data-dir') && !out.includes('--in-memory')) out.push('--data-dir', dataDir);
  return out;
}

/**
 * Runs the commands of one block in one bash (so `H=...` carries to the next command),
 * with `stateflow` (and its `pnpm`/`npx` spellings) being the built CLI, and checks each exit status
 * and each expected output. Returns the last command's output.
 */
function runCommands(commands: DocCommand[], cwd: string, page: string): string {
  const script = [
    'stateflow() { node "$STATEFLOW_BIN" "$@"; }',
    'pnpm() { [ "$1" = exec ] && shift; if [ "$1" = stateflow ]; then shift; stateflow "$@"; else echo "the docs test runs no pnpm $1" >&2; return 127; fi; }',
    'npx() { [ "$1" = -p ] && [ "$2" = @stateflow/cli ] && shift 2; if [ "$1" = stateflow ]; then shift; stateflow "$@"; else echo "the docs test runs no npx $1" >&2; return 127; fi; }',
    ...commands.flatMap((c, i) => [`printf '\\n<<doc %d>>\\n' ${i}`, c.text, `printf '\\n<<status %d>>\\n' $?`]),
  ].join('\n');
  const run = spawnSync('bash', ['-c', script], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, STATEFLOW_BIN: BIN },
  });
  const outputs = [...run.stdout.matchAll(/\n<<doc (\d+)>>\n([\s\S]*?)\n<<status (\d+)>>\n/g)];
  expect(outputs.length, `${page}: every command ran\n${run.stdout}\n${run.stderr}`).toBe(commands.length);
  let last = '';
  for (const [, index, output, status] of outputs) {
    const command = commands[Number(index)]!;
    const where = `${page}:${command.line}: ${command.text}`;
    expect(Number(status), `${where}\nexit status; stderr:\n${run.stderr}`).toBe(0);
    last = output!.replace(/\n+$/, '');
    if (command.expected.length > 0) {
      const lines = last.split('\n');
      const same = lines.length === command.expected.length && command.expected.every((want, i) => lineMatches(want, lines[i]!));
      expect(same, `${where}\nprinted:\n${last}\nthe page shows:\n${command.expected.join('\n')}`).toBe(true);
    }
  }
  return last;
}

describe('readDocBlocks', () => {
  it('attaches the comments right after a command as its output, and only those', () => {
    const page = ['```sh', '# a description', 'H=x', 'curl a \\', '  -d b', '# {"key":"a"}', '', '# next', 'curl c', '```'].join('\n');
    expect(readDocBlocks(page, 'p.md')).toEqual([
      {
        kind: 'commands',
        line: 1,
        commands: [
          { text: 'H=x', line: 3, expected: [] },
          { text: 'curl a \\\n  -d b', line: 4, expected: ['{"key":"a"}'] },
          { text: 'curl c', line: 9, expected: [] },
        ],
      },
    ]);
  });

  it('reads skip, file and output markers, and refuses one it does not know', () => {
    const page = ['<!-- doc-test: skip (a fresh machine) -->', '```sh', 'bash setup.sh', '```', '<!-- doc-test: file a.py -->', '```python', 'x = 1', '```', '<!-- doc-test: output -->', '```text', 'ok ...', '```'].join('\n');
    expect(readDocBlocks(page, 'p.md')).toEqual([
      { kind: 'skipped', line: 2, reason: 'a fresh machine' },
      { kind: 'file', line: 6, name: 'a.py', text: 'x = 1\n' },
      { kind: 'output', line: 10, expected: ['ok ...'] },
    ]);
    expect(() => readDocBlocks('<!-- doc-test: skip -->\n```sh\nx\n```', 'p.md')).toThrow(/p\.md:2: doc-test marker 'skip'/);
  });

  it('matches ... as anything and expected lines in order', () => {
    expect(lineMatches('{"state":{"a":1,...}}', '{"state":{"a":1,"b":[2]}}')).toBe(true);
    expect(lineMatches('{"result":true}', '{"result":false}')).toBe(false);
    expect(containsInOrder(['a', 'c ...'], 'a\nb\nc d')).toBe(true);
    expect(containsInOrder(['c', 'a'], 'a\nb\nc')).toBe(false);
  });
});
