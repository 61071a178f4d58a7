// `pnpm release:check`: the pending changesets must not take any 0.x package to a new
// major. At 0.x a breaking change is a `minor` (VERSIONING.md); the one way changesets
// makes a major on its own is a peer range left behind (`workspace:^` on a peer, or an
// explicit range whose upper bound the next version leaves), which bumps every peer
// dependent to 1.0.0. Exits 1 naming the packages, with how to fix the range.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'stateflow-release-plan-'));
try {
  const out = join(dir, 'status.json');
  const r = spawnSync('pnpm', ['changeset', 'status', `--output=${out}`], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`changeset status failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
    process.exit(1);
  }
  const { releases } = JSON.parse(readFileSync(out, 'utf8'));
  const majors = releases.filter((r) => r.type === 'major' && /^0\./.test(r.oldVersion));
  for (const r of releases) console.log(`  ${r.name.padEnd(32)} ${r.oldVersion} -> ${r.newVersion} (${r.type})`);
  if (majors.length > 0) {
    console.error(
      `\nrelease plan check failed: ${majors.map((m) => `${m.name} ${m.oldVersion} -> ${m.newVersion}`).join(', ')} would be a major at 0.x.\n` +
        'A peer range is left behind: write peers as explicit ranges that include the next version\n' +
        '("workspace:>=0.0.0 <0.2.0", never "workspace:^"); see VERSIONING.md, "Peer ranges".',
    );
    process.exit(1);
  }
  console.log(`release plan check passed: ${releases.length} package(s) to release, no major at 0.x`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
