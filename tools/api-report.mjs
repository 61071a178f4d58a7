// API reports: what each published package exports, as Microsoft API Extractor sees its
// built `.d.ts`, checked in as `<package>/etc/<name>.api.md` and reviewed like code.
//
//   pnpm api:check    fails when a report differs from the built package (CI, `pnpm verify`)
//   pnpm api:update   rewrites the reports; review and commit the diff
//
// Run after `pnpm build`. One report per entry point in `exports` (`.` and subpaths such
// as `@stateflow/client/kafka`). A type that an export uses but the entry does not export
// (`ae-forgotten-export`) is an error: users could not name it.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import { readWorkspace } from './layers/workspace.mjs';

const args = process.argv.slice(2);
const mode = args.find((arg) => arg === '--check' || arg === '--update');
// `--root <dir>` reports on another workspace (the tests use a temporary one).
const root = args.includes('--root') ? args[args.indexOf('--root') + 1] : new URL('..', import.meta.url).pathname;
if (!mode || !root) {
  console.error('usage: node tools/api-report.mjs --check | --update [--root <workspace>]');
  process.exit(2);
}
const update = mode === '--update';

/** `@stateflow/client` + `./kafka` → `client-kafka`; the report is `etc/<that>.api.md`. */
function reportName(packageName, subpath) {
  const base = packageName.replace(/^@[^/]+\//, '');
  return subpath === '.' ? base : `${base}-${subpath.replace(/^\.\//, '').replace(/\//g, '-')}`;
}

/** The `.d.ts` entry points of a package: each `exports` key with a `types` condition. */
function entryPoints(pkg) {
  const entries = [];
  for (const [subpath, target] of Object.entries(pkg.manifest.exports ?? {})) {
    const types = typeof target === 'object' && target !== null ? target.types : undefined;
    if (typeof types === 'string') entries.push({ subpath, dts: join(pkg.dir, types), name: reportName(pkg.name, subpath) });
  }
  return entries;
}

/** Packages with a publishable shape (`files` and typed exports); private test packages have none. */
const packages = readWorkspace(root).filter((pkg) => Array.isArray(pkg.manifest.files) && entryPoints(pkg).length > 0);

/** API Extractor's own notes on the report file; this tool says changed/updated itself. */
const REPORT_STATUS = new Set(['console-api-report-changed', 'console-api-report-created', 'console-api-report-copied', 'console-api-report-unchanged']);

/** Runs API Extractor on one entry point; its warnings and errors come back as lines. */
function runExtractor(config, packageDir) {
  const messages = [];
  const result = Extractor.invoke(config, {
    localBuild: update,
    messageCallback: (message) => {
      message.handled = true; // printed below, once, with the report's path
      // Report changes are this tool's own verdict; other notes are not problems.
      if (REPORT_STATUS.has(message.messageId)) return;
      if (message.logLevel === 'error' || message.logLevel === 'warning') {
        messages.push(`${message.logLevel}: ${message.formatMessageWithLocation(packageDir + '/')}`);
      }
    },
  });
  return { result, messages };
}

const tempFolder = mkdtempSync(join(tmpdir(), 'stateflow-api-'));
const problems = [];
let reports = 0;

for (const pkg of packages) {
  const reportFolder = join(pkg.dir, 'etc');
  const expected = new Set();
  if (update) mkdirSync(reportFolder, { recursive: true });
  for (const entry of entryPoints(pkg)) {
    const where = `${relative(root, pkg.dir)}/etc/${entry.name}.api.md`;
    expected.add(`${entry.name}.api.md`);
    if (!existsSync(entry.dts)) {
      problems.push(`${where}: ${relative(root, entry.dts)} is missing; run \`pnpm build\` first`);
      continue;
    }
    const config = ExtractorConfig.prepare({
      configObjectFullPath: join(pkg.dir, 'api-extractor.json'), // not read: the config is below
      packageJsonFullPath: join(pkg.dir, 'package.json'),
      configObject: {
        projectFolder: pkg.dir,
        mainEntryPointFilePath: entry.dts,
        compiler: {
          // The built .d.ts only, with the repository's module settings.
          overrideTsconfig: {
            compilerOptions: {
              target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023'],
              types: ['node'], strict: true, skipLibCheck: true, esModuleInterop: true, resolveJsonModule: true,
            },
            files: [entry.dts],
          },
        },
        apiReport: { enabled: true, reportFileName: entry.name, reportFolder, reportTempFolder: tempFolder },
        docModel: { enabled: false },
        dtsRollup: { enabled: false },
        tsdocMetadata: { enabled: false },
        messages: {
          compilerMessageReporting: { default: { logLevel: 'warning' } },
          extractorMessageReporting: {
            // Other findings are written into the report as `// Warning:` lines, reviewed with it.
            default: { logLevel: 'warning', addToApiReportFile: true },
            'ae-forgotten-export': { logLevel: 'error', addToApiReportFile: false },
            // Release tags (@public/@beta) are not used here: one audience per entry point.
            'ae-missing-release-tag': { logLevel: 'none' },
            // Documentation coverage and links are for a docs linter, not this check.
            'ae-undocumented': { logLevel: 'none' },
            'ae-unresolved-link': { logLevel: 'none' },
          },
          // TSDoc style is for a docs linter, not for this check.
          tsdocMessageReporting: { default: { logLevel: 'none' } },
        },
      },
    });
    let outcome;
    try {
      outcome = runExtractor(config, pkg.dir);
    } catch (error) {
      // API Extractor gives up on some declarations (e.g. a global namespace it cannot follow).
      problems.push(`${where}: API Extractor failed: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const { result, messages } = outcome;
    reports++;
    for (const message of messages) problems.push(`${where}: ${message}`);
    if (result.apiReportChanged && !update) {
      problems.push(`${where}: the public API of ${pkg.name}${entry.subpath === '.' ? '' : entry.subpath.slice(1)} changed; review it, then run \`pnpm api:update\` and commit the report`);
    } else if (result.apiReportChanged) {
      console.log(`updated ${where}`);
    }
  }
  // A report whose entry point is gone is stale.
  if (existsSync(reportFolder)) {
    for (const file of readdirSync(reportFolder)) {
      if (!file.endsWith('.api.md') || expected.has(file)) continue;
      const where = `${relative(root, reportFolder)}/${file}`;
      if (update) {
        unlinkSync(join(reportFolder, file));
        console.log(`removed ${where} (no such entry point)`);
      } else {
        problems.push(`${where}: no entry point of ${pkg.name} has this report; run \`pnpm api:update\``);
      }
    }
  }
}
rmSync(tempFolder, { recursive: true, force: true });

if (problems.length) {
  console.error(`API report ${update ? 'update' : 'check'} failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`API reports: ${reports} entry points of ${packages.length} packages ${update ? 'written' : 'match their reports'}`);
