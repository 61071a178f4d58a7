// Checks the documentation site, with plain Node and no dependencies:
//   1. every internal link between pages (Markdown links, home-page actions, the
//      sidebar and nav of .vitepress/config.mts) points at an existing page, and at an
//      existing heading when it has a #fragment; relative links of the repository
//      README.md point at existing files;
//   2. every diagnostic code defined in the source tables (`code: 'SFnnnn'` in
//      packages/*/src) has its own entry in reference/diagnostics.md, and the docs
//      mention no code that the source does not define;
//   3. when the site is built, the output loads nothing from the network.
// Prints what it checked; exits 1 with a list of problems on failure.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const docsRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(docsRoot, '..', '..');
const problems = [];
/** Problems found by each of the three checks (links, codes, offline). */
const failedBy = { links: 0, codes: 0, offline: 0 };

/** Lists files under `dir` whose name passes `keep`, skipping dependency and build folders. */
function walk(dir, keep, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'cache' || name === '.turbo') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name === '.vitepress' || name === 'test') continue;
      walk(path, keep, out);
    } else if (keep(name)) {
      out.push(path);
    }
  }
  return out;
}

/** The heading slug VitePress generates (same rules as its default `slugify`). */
function slugify(text) {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036F]/g, '')
    .replace(/[\u0000-\u001f]/g, '')
    .replace(/[\s~`!@#$%^&*()\-_+=[\]{}|\\;:"'“”‘’<>,.?/]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/^(\d)/, '_$1')
    .toLowerCase();
}

/** Removes fenced code blocks (keeping line numbers) so links in examples are ignored. */
function stripFences(text) {
  let inFence = false;
  return text
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        inFence = !inFence;
        return '';
      }
      return inFence ? '' : line;
    })
    .join('\n');
}

/** Heading ids of one page: custom `{#id}` anchors, or slugs with `-1`, `-2` for repeats. */
function headingIds(text) {
  const ids = new Set();
  const seen = new Map();
  for (const line of stripFences(text).split('\n')) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    let title = m[1];
    const custom = /\{#([^}]+)\}\s*$/.exec(title);
    if (custom) {
      ids.add(custom[1]);
      continue;
    }
    title = title
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '');
    let slug = slugify(title);
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    if (n > 0) slug = `${slug}-${n}`;
    ids.add(slug);
  }
  return ids;
}

const pages = walk(docsRoot, (name) => extname(name) === '.md');
const pageText = new Map(pages.map((p) => [p, readFileSync(p, 'utf8')]));
const pageIds = new Map([...pageText].map(([p, t]) => [p, headingIds(t)]));

/** Resolves a link target to a page file, or undefined. `from` is the linking page or null for site-absolute links. */
function resolvePage(from, target) {
  const base = target.startsWith('/') ? join(docsRoot, target) : resolve(dirname(from), target);
  const candidates = [];
  if (target === '') candidates.push(from);
  else if (base.endsWith('.md')) candidates.push(base);
  else if (base.endsWith('.html')) candidates.push(base.replace(/\.html$/, '.md'));
  else if (target.endsWith('/')) candidates.push(join(base, 'index.md'));
  else candidates.push(`${base}.md`, join(base, 'index.md'));
  return candidates.find((c) => pageText.has(c));
}

let linkCount = 0;
/** Checks one link found in `where` (for messages); `from` is the page the link is relative to. */
function checkLink(where, from, href) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//')) return; // external or mailto:
  linkCount++;
  const [pathPart, fragment] = href.split('#');
  const page = resolvePage(from, decodeURI(pathPart));
  if (!page) {
    problems.push(`${where}: dead link '${href}' (no such page)`);
    return;
  }
  if (fragment !== undefined && fragment !== '' && !pageIds.get(page).has(decodeURIComponent(fragment))) {
    problems.push(`${where}: dead link '${href}' (no heading #${fragment} in ${relative(docsRoot, page)})`);
  }
}

// 1a. Markdown links and home-page `link:` actions.
for (const [page, text] of pageText) {
  const lines = stripFences(text).split('\n');
  lines.forEach((line, i) => {
    const where = `${relative(docsRoot, page)}:${i + 1}`;
    const inline = line.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length));
    for (const m of inline.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) checkLink(where, page, m[1]);
    const action = /^\s*link:\s*(\S+)\s*$/.exec(line);
    if (action) checkLink(where, page, action[1]);
  });
}

// 1b. Links in the site config (nav and sidebar), which are site-absolute.
const configPath = join(docsRoot, '.vitepress', 'config.mts');
const config = readFileSync(configPath, 'utf8');
const configLinks = [...config.matchAll(/link:\s*'([^']+)'/g)].map((m) => m[1]);
for (const href of configLinks) checkLink('.vitepress/config.mts', join(docsRoot, 'index.md'), href);
if (!/search:\s*\{\s*provider:\s*'local'/.test(config)) {
  problems.push(".vitepress/config.mts: themeConfig.search.provider must be 'local' (the site must work offline)");
}
// 1c. Relative links of the repository README point at existing files.
const readme = join(repoRoot, 'README.md');
if (existsSync(readme)) {
  stripFences(readFileSync(readme, 'utf8'))
    .split('\n')
    .forEach((line, i) => {
      const inline = line.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length));
      for (const m of inline.matchAll(/\]\(([^)\s]+)\)/g)) {
        const href = m[1];
        if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('#')) continue;
        linkCount++;
        if (!existsSync(join(repoRoot, decodeURI(href.split('#')[0])))) {
          problems.push(`README.md:${i + 1}: dead link '${href}' (no such file)`);
        }
      }
    });
}
failedBy.links = problems.length;
console.log(`links: ${linkCount} internal links in ${pages.length} pages, the site config and README.md`);

// 2. Diagnostic codes: source tables against reference/diagnostics.md.
const sourceFiles = walk(join(repoRoot, 'packages'), (name) => /\.(ts|mts|js|mjs|py)$/.test(name) && !name.endsWith('.d.ts')).filter(
  (f) => relative(join(repoRoot, 'packages'), f).split(/[\\/]/)[1] === 'src',
);
const sourceCodes = new Map();
for (const file of sourceFiles) {
  // Comment lines (TSDoc examples) do not define codes.
  const text = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*(\*|\/\*|\/\/|#)/.test(line))
    .join('\n');
  for (const m of text.matchAll(/code:\s*['"](SF\d{4})['"]/g)) {
    if (!sourceCodes.has(m[1])) sourceCodes.set(m[1], relative(repoRoot, file));
  }
}
const diagnosticsPage = join(docsRoot, 'reference', 'diagnostics.md');
const diagnosticsText = pageText.get(diagnosticsPage) ?? '';
const documentedCodes = new Map();
stripFences(diagnosticsText)
  .split('\n')
  .forEach((line, i) => {
    const m = /^#{2,6}\s+.*\b(SF\d{4})\b/.exec(line);
    if (!m) return;
    if (documentedCodes.has(m[1])) problems.push(`reference/diagnostics.md:${i + 1}: ${m[1]} has two entries`);
    documentedCodes.set(m[1], i + 1);
    if (!pageIds.get(diagnosticsPage).has(m[1].toLowerCase())) {
      problems.push(`reference/diagnostics.md:${i + 1}: the heading of ${m[1]} needs the anchor {#${m[1].toLowerCase()}}`);
    }
  });
for (const [code, file] of [...sourceCodes].sort()) {
  if (!documentedCodes.has(code)) problems.push(`${code} (defined in ${file}) has no entry in reference/diagnostics.md`);
}
if (sourceCodes.size > 0) {
  for (const [page, text] of pageText) {
    const seen = new Set();
    for (const m of text.matchAll(/\bSF\d{4}\b/g)) {
      if (sourceCodes.has(m[0]) || seen.has(m[0])) continue;
      seen.add(m[0]);
      problems.push(`${relative(docsRoot, page)}: mentions ${m[0]}, which no source table defines`);
    }
  }
}
failedBy.codes = problems.length - failedBy.links;
console.log(
  `diagnostics: ${sourceCodes.size} codes in ${sourceFiles.length} source files, ${documentedCodes.size} entries in reference/diagnostics.md`,
);

// 3. The built site must not load anything from the network.
const distDir = join(docsRoot, '.vitepress', 'dist');
if (existsSync(distDir)) {
  const files = [];
  const collect = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) collect(path);
      else if (/\.(html|css|js)$/.test(name)) files.push(path);
    }
  };
  collect(distDir);
  const remote = [
    // <script src>, <link href> (stylesheets, preloads, fonts, icons), <img src>, <iframe src>
    /<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)=["']?(?:https?:)?\/\/[^"'\s>]+/gi,
    // CSS imports and url(...) of fonts and images
    /@import\s+(?:url\()?["']?(?:https?:)?\/\/[^"')\s]+/gi,
    /url\(\s*["']?(?:https?:)?\/\/[^"')\s]+/gi,
  ];
  // The default theme's social-link component falls back to an icon service, but only
  // for `themeConfig.socialLinks`, which this site must not configure.
  const dormant = /api\.iconify\.design\/simple-icons\//;
  if (/socialLinks/.test(config)) {
    problems.push('.vitepress/config.mts: socialLinks load their icons from the network; remove them');
  }
  let offenders = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const re of remote) {
      for (const m of text.matchAll(re)) {
        if (dormant.test(m[0])) continue;
        offenders++;
        problems.push(`${relative(docsRoot, file)}: loads from the network: ${m[0].slice(0, 120)}`);
      }
    }
  }
  console.log(`offline: ${files.length} built files load nothing from the network${offenders ? ' (FAILED)' : ''}`);
} else {
  console.log('offline: skipped (site not built; run `pnpm -F @stateflow/docs build`)');
}

failedBy.offline = problems.length - failedBy.links - failedBy.codes;

// One line in vitest's format, so tools/test-summary.mjs counts the three checks.
const failedChecks = Object.values(failedBy).filter((n) => n > 0).length;
const counts = [3 - failedChecks ? `${3 - failedChecks} passed` : '', failedChecks ? `${failedChecks} failed` : ''].filter(Boolean);
if (problems.length > 0) {
  console.error(`\ndocs check failed, ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  console.log(`docs checks: Tests  ${counts.join(' | ')} (3)`);
  process.exit(1);
}
console.log(`docs checks: Tests  ${counts.join(' | ')} (3)`);
console.log('docs check passed');
