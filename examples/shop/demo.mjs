// A scripted session with the shop example over HTTP: starts `stateflow serve` on a
// free port, makes a few calls with fetch, prints each call and its answer, and stops
// the server. Run it from the repository root with `pnpm demo` (which builds first),
// or `node examples/shop/demo.mjs` after `pnpm build`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = join(root, 'packages', 'cli', 'dist', 'bin.js');
const app = relative(root, join(root, 'examples', 'shop', 'app.py'));
const pythonHost = process.env.STATEFLOW_PYTHON_HOST ?? 'pyodide';

if (!existsSync(bin)) {
  console.error(`${relative(process.cwd(), bin)} is missing: run \`pnpm build\` first (or use \`pnpm demo\`, which builds).`);
  process.exit(1);
}

const coke = { $entity: 'Item', $key: 'coke' };

/** The session: [what it shows, HTTP verb, path, body]. */
const session = [
  ['create item coke at price 2', 'POST', '/Item', { args: ['coke', 2] }],
  ['put 10 coke in stock', 'POST', '/Item/coke/update_stock', { args: [10] }],
  ['create user ann (balance starts at 1)', 'POST', '/User', { args: ['ann'] }],
  ['top up ann by 20', 'POST', '/User/ann/update_balance', { args: [20] }],
  ['ann buys 3 coke for 6', 'POST', '/User/ann/buy_item', { args: [3, coke] }],
  ['read ann', 'GET', '/User/ann'],
  ['read coke', 'GET', '/Item/coke'],
  ['ann tries 10 coke for 20 with 15 left: returns False', 'POST', '/User/ann/buy_item', { kwargs: { amount: 10, item: coke } }],
  ['top up ann by 100', 'POST', '/User/ann/update_balance', { args: [100] }],
  ['ann tries 50 coke, only 7 in stock: NotEnoughStock (422)', 'POST', '/User/ann/buy_item', { args: [50, coke] }],
  ['ann is unchanged by the failed buy', 'GET', '/User/ann'],
  ['create coke again (409)', 'POST', '/Item', { args: ['coke', 3] }],
  ['call a user that does not exist (404)', 'POST', '/User/bob/update_balance', { args: [5] }],
  ['call a method that does not exist (400)', 'POST', '/User/ann/fly', {}],
  ['call with the wrong arguments (400)', 'POST', '/Item/coke/update_stock', { args: [1, 2] }],
];

const server = spawn(process.execPath, [bin, 'serve', app, '--port', '0', '--python-host', pythonHost], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'pipe'],
});
let serverErr = '';
server.stderr.setEncoding('utf8').on('data', (chunk) => (serverErr += chunk));

const url = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.setEncoding('utf8').on('data', (chunk) => {
    out += chunk;
    const match = /on (http:\/\/\S+)/.exec(out);
    if (match) {
      process.stdout.write(out.split('\n')[0] + '\n\n');
      resolve(match[1]);
    }
  });
  server.on('exit', (code) => reject(new Error(`stateflow serve exited with status ${code}:\n${out}${serverErr}`)));
});

let failed = false;
try {
  for (const [what, method, path, body] of session) {
    const init = method === 'GET' ? { method } : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    const res = await fetch(url + path, init);
    const text = (await res.text()).trim();
    console.log(`# ${what}`);
    console.log(`${method} ${path}${body ? ` ${JSON.stringify(body)}` : ''}`);
    console.log(`  -> ${res.status} ${text}\n`);
  }
} catch (err) {
  failed = true;
  console.error(`demo failed: ${err instanceof Error ? err.message : err}`);
} finally {
  server.kill('SIGINT');
  await new Promise((resolve) => server.once('exit', resolve));
}
process.exit(failed ? 1 : 0);
