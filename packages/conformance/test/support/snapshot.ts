import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** Splits a scoreboard file into its sections, by `# title` line. */
export function sections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(/^(?=# )/m)) {
    if (!part.trim()) continue;
    const title = part.slice(2, part.indexOf('\n'));
    out.set(title, part.replace(/\n+$/, '\n'));
  }
  return out;
}

/** The committed section `title` of `file`, or `undefined`. */
export function readSection(file: string, title: string): string | undefined {
  return existsSync(file) ? sections(readFileSync(file, 'utf8')).get(title) : undefined;
}

/** Replaces (or appends) section `title` of `file`, keeping the order of the others. */
export function writeSection(file: string, title: string, text: string): void {
  const all = existsSync(file) ? sections(readFileSync(file, 'utf8')) : new Map<string, string>();
  all.set(title, text);
  writeFileSync(file, [...all.values()].join('\n'));
}
