// Checks the built documentation site in a real headless Chromium (Debian's `chromium`
// package, driven by playwright-core): serves .vitepress/dist on loopback, opens the
// home page, Getting started, Installing with npm and one API reference page, and asserts
// that each renders (title, a known heading), that the sidebar navigates client-side,
// and that nothing logs a console error or fails a request. Saves a screenshot of each
// page under $CI_ARTIFACTS/docs-screenshots (default: test/artifacts, gitignored).
//
// Run after `pnpm -F @stateflow/docs build`. Without Chromium it skips with one line,
// except on CI (CI=true), where tools/setup.sh installs it and a missing one is a failure.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import sirv from 'sirv';

const docsRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const distDir = join(docsRoot, '.vitepress', 'dist');
const executablePath = process.env.STATEFLOW_CHROMIUM || '/usr/bin/chromium';
const artifacts = resolve(process.env.CI_ARTIFACTS || join(docsRoot, 'test', 'artifacts'), 'docs-screenshots');
// No background traffic: the machine may have no network, and Chromium would fill the
// log with refused connections to its update, sync and field-trial services.
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The pages to open: path, expected title, expected first heading. */
const PAGES = [
  { name: 'home', path: '/', title: 'StateFlow', heading: { selector: '.VPHero .name', text: 'StateFlow' } },
  { name: 'getting-started', path: '/guide/getting-started.html', title: 'Getting started | StateFlow', heading: { selector: 'h1', text: 'Getting started' } },
  { name: 'install-with-npm', path: '/guide/install-with-npm.html', title: 'Install with npm | StateFlow', heading: { selector: 'h1', text: 'Install with npm' } },
  { name: 'api-ir', path: '/api/@stateflow/ir.html', title: '@stateflow/ir | StateFlow', heading: { selector: 'h1', text: '@stateflow/ir' } },
];

if (!existsSync(join(distDir, 'index.html'))) {
  console.error('browser check: the site is not built; run `pnpm -F @stateflow/docs build` first');
  process.exit(1);
}
if (!existsSync(executablePath)) {
  const why = `no Chromium at ${executablePath} (install Debian's package: apt-get install chromium, or set STATEFLOW_CHROMIUM)`;
  if (process.env.CI === 'true') {
    console.error(`browser check failed: ${why}; tools/setup.sh installs it on CI`);
    console.log('docs browser checks: Tests  1 failed (1)');
    process.exit(1);
  }
  console.log(`browser check: skipped, ${why}`);
  process.exit(0);
}

const started = Date.now();
const problems = [];
let passed = 0;

// The built site, served the way `vitepress preview` serves it (sirv), on loopback only.
const serveDist = sirv(distDir, { dev: false, etag: true, extensions: ['html'] });
const server = createServer((req, res) => serveDist(req, res, () => {
  res.statusCode = 404;
  res.end('not found');
}));
await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
const origin = `http://127.0.0.1:${server.address().port}`;

mkdirSync(artifacts, { recursive: true });
const userDataDir = mkdtempSync(join(tmpdir(), 'stateflow-docs-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
    timeout: 60_000,
  });
  for (const spec of PAGES) {
    const found = await checkPage(context, spec);
    if (found.length === 0) passed++;
    problems.push(...found.map((p) => `${spec.path}: ${p}`));
  }
} catch (error) {
  problems.push(`Chromium: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
} finally {
  await context?.close().catch(() => {});
  await new Promise((done) => server.close(done));
  rmSync(userDataDir, { recursive: true, force: true });
}

const seconds = ((Date.now() - started) / 1000).toFixed(1);
const failed = PAGES.length - passed;
const counts = [passed ? `${passed} passed` : '', failed ? `${failed} failed` : ''].filter(Boolean).join(' | ');
if (problems.length > 0) {
  console.error(`\nbrowser check failed, ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
}
console.log(`browser: ${PAGES.length} pages in Chromium (${executablePath}) in ${seconds}s; screenshots in ${artifacts}`);
console.log(`docs browser checks: Tests  ${counts} (${PAGES.length})`);
process.exit(problems.length > 0 ? 1 : 0);

/** Opens one page in a fresh tab; returns what is wrong with it (empty when it is fine). */
async function checkPage(context, spec) {
  const found = [];
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  page.on('console', (message) => {
    if (message.type() === 'error') found.push(`console error: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => found.push(`uncaught error: ${error.message}`));
  page.on('requestfailed', (request) => found.push(`request failed: ${request.url()} (${request.failure()?.errorText})`));
  page.on('request', (request) => {
    if (!request.url().startsWith(origin) && !request.url().startsWith('data:')) found.push(`request off the site: ${request.url()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) found.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  try {
    await page.goto(origin + spec.path, { waitUntil: 'networkidle' });
    const title = await page.title();
    if (title !== spec.title) found.push(`title is '${title}', expected '${spec.title}'`);
    const heading = page.locator(spec.heading.selector).first();
    await heading.waitFor({ state: 'visible' });
    const text = headingText(await heading.innerText());
    if (text !== spec.heading.text) found.push(`${spec.heading.selector} is '${text}', expected '${spec.heading.text}'`);
    // The page is hydrated: a sidebar link navigates without a full load.
    if (spec.name === 'getting-started') {
      await page.locator('.VPSidebar a', { hasText: 'TypeScript API' }).first().click();
      await page.waitForURL(`${origin}/api/`);
      const apiHeading = headingText(await page.locator('h1').first().innerText());
      if (apiHeading !== 'API reference') found.push(`the sidebar's TypeScript API link led to a page headed '${apiHeading}'`);
      await page.goBack({ waitUntil: 'networkidle' });
    }
    await page.screenshot({ path: join(artifacts, `${spec.name}.png`), fullPage: false });
  } catch (error) {
    found.push(error instanceof Error ? error.message.split('\n')[0] : String(error));
  } finally {
    await page.close();
  }
  return found;
}

/** A heading's text without the zero-width space of VitePress's `#` anchor link. */
function headingText(text) {
  return text.replace(/\u200b/g, '').trim();
}
