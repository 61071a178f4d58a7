// `pnpm release`: versions, builds, checks and publishes the public packages.
//
//   1. `changeset version`: applies the pending changesets (versions, CHANGELOG.md files),
//      after `tools/check-release-plan.mjs` has made sure they take no 0.x package to 1.0;
//   2. builds every package (turbo);
//   3. `tools/check-pack.mjs`: packs every public package and checks the tarballs
//      (contents, publint, are-the-types-wrong);
//   4. `pnpm -r publish`: publishes each public package whose version is not yet on the
//      registry, so only what changed goes out (pnpm skips the rest and the private
//      packages, and rewrites `workspace:` ranges on the way); then tags each published
//      version `<name>@<version>` in git, as `changeset publish` would. (`changeset publish`
//      itself cannot be used: it has no way to pass `--provenance` to pnpm, and pnpm 12
//      does not read npm's NPM_CONFIG_* variables.)
//
// Options:
//   --dry-run          change nothing: show the pending bumps (`changeset status`) instead of
//                      applying them, build and check, then show what would be published
//   --registry <url>   publish to (and compare with) this registry instead of the configured one
//   --no-version       skip step 1 (publish the versions as they are in package.json)
//   --tag <name>       npm dist-tag for the published versions (default latest)
//   --no-git-tag       do not create a git tag per published package
//   --no-checks        skip step 3 (for tests/registry, which runs after `pnpm pack:check`)
//   --provenance       publish with a provenance statement: only in a CI job that has an OIDC
//                      token (.github/workflows/release.yml); the registry links each version
//                      to the workflow run that built it
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

let args;
try {
  args = parseArgs({
    options: {
      'dry-run': { type: 'boolean', default: false },
      registry: { type: 'string' },
      'no-version': { type: 'boolean', default: false },
      tag: { type: 'string', default: 'latest' },
      'no-git-tag': { type: 'boolean', default: false },
      'no-checks': { type: 'boolean', default: false },
      provenance: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
} catch (err) {
  console.error(`pnpm release: ${err.message} (see pnpm release --help)`);
  process.exit(2);
}
if (args.help) {
  console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').filter((l) => l.startsWith('//')).map((l) => l.slice(3)).join('\n'));
  process.exit(0);
}
if (args.registry !== undefined && !/^https?:\/\/[^\s]+$/.test(args.registry)) {
  console.error(`pnpm release: --registry must be an http(s) URL (got '${args.registry}')`);
  process.exit(2);
}

// pnpm 12 reads its settings from pnpm_config_* variables (not npm's npm_config_*).
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };
if (args.registry) env.pnpm_config_registry = args.registry;

function step(title) {
  console.log(`\n==> ${title}`);
}

function run(command, argv) {
  const result = spawnSync(command, argv, { cwd: root, env, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`\npnpm release: \`${command} ${argv.join(' ')}\` failed (exit ${result.status ?? result.signal}); nothing after this step ran`);
    process.exit(1);
  }
}

if (!args['no-version']) {
  step('checking the release plan (no major at 0.x)');
  run('node', [join(root, 'tools/check-release-plan.mjs')]);
  if (args['dry-run']) {
    step('pending version bumps (dry run: changeset status, nothing applied)');
    run('pnpm', ['changeset', 'status', '--verbose']);
  } else {
    step('applying the changesets (changeset version)');
    run('pnpm', ['changeset', 'version']);
  }
}

step('building every package');
run('pnpm', ['turbo', 'run', 'build', '--output-logs=errors-only']);

if (!args['no-checks']) {
  step('checking the tarballs (contents, publint, are-the-types-wrong)');
  run('node', [join(root, 'tools/check-pack.mjs')]);
}

const summary = join(root, 'pnpm-publish-summary.json');
rmSync(summary, { force: true });
step(`publishing what is not on the registry yet${args.registry ? ` (${args.registry})` : ''}${args['dry-run'] ? ', dry run: nothing is uploaded' : ''}`);
// Step 2 built everything, so the packages' `prepack` (a build) is not needed again.
run('pnpm', [
  '-r', 'publish', '--access', 'public', '--no-git-checks', '--ignore-scripts', '--report-summary', '--tag', args.tag,
  ...(args.provenance ? ['--provenance'] : []),
  ...(args['dry-run'] ? ['--dry-run'] : []),
]);
const published = existsSync(summary) ? JSON.parse(readFileSync(summary, 'utf8')).publishedPackages : [];
rmSync(summary, { force: true });
const names = published.map((p) => `${p.name}@${p.version}`);
if (!args['dry-run'] && !args['no-git-tag']) {
  for (const tag of names) run('git', ['tag', '-a', tag, '-m', tag]);
}
console.log(
  names.length === 0
    ? '\nnothing to publish: every public package is on the registry at its current version'
    : `\n${args['dry-run'] ? 'would publish' : 'published'} ${names.length} package(s):\n${names.map((n) => `  ${n}`).join('\n')}`,
);
