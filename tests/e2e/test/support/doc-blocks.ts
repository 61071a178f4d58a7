/**
 * Reads the fenced blocks of a Markdown page for the docs' command test, with the
 * markers that say what to do with a block. A marker is an HTML comment (invisible on
 * the site and on GitHub) on the line right above the block:
 *
 * - `<!-- doc-test: skip (why) -->`: a `sh` block the test must not run (it sets up a
 *   fresh machine, or runs the whole suite); the reason is required.
 * - `<!-- doc-test: file <name> -->`: write this block to `<name>` in the working folder.
 * - `<!-- doc-test: output -->`: a `text` block that the previous command's output (for
 *   `serve`, what it printed until it was ready) contains, line by line and in order.
 *
 * In a `sh` block, a comment line right after a command (no blank line between) is that
 * command's expected standard output, one comment per line; `...` in it matches anything.
 * Other comment lines describe and are not checked.
 */

/** One command of a `sh` block, with its expected output lines (empty: not checked). */
export interface DocCommand {
  /** The command text, continuation lines joined as written (`\` + newline kept). */
  text: string;
  /** Line of the command in the page (1-based). */
  line: number;
  expected: string[];
}

/** A fenced block and what the test does with it. */
export type DocBlock =
  | { kind: 'commands'; line: number; commands: DocCommand[] }
  | { kind: 'skipped'; line: number; reason: string }
  | { kind: 'file'; line: number; name: string; text: string }
  | { kind: 'output'; line: number; expected: string[] };

const MARKER = /^<!--\s*doc-test:\s*(.*?)\s*-->$/;

/** The blocks of a page that the test acts on, in order; fails on a marker it does not understand. */
export function readDocBlocks(markdown: string, page: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const lang = open[1]!;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    const marker = MARKER.exec(lines[start - 1] ?? '')?.[1];
    const where = `${page}:${start + 1}`;
    if (marker !== undefined) {
      const skip = /^skip\s*\((.+)\)$/.exec(marker);
      const file = /^file\s+(\S+)$/.exec(marker);
      if (skip && lang === 'sh') blocks.push({ kind: 'skipped', line: start + 1, reason: skip[1]! });
      else if (file) blocks.push({ kind: 'file', line: start + 1, name: file[1]!, text: `${body.join('\n')}\n` });
      else if (marker === 'output' && lang === 'text') blocks.push({ kind: 'output', line: start + 1, expected: body });
      else throw new Error(`${where}: doc-test marker '${marker}' is not one of: skip (reason) on a sh block, file <name>, output on a text block`);
    } else if (lang === 'sh') {
      blocks.push({ kind: 'commands', line: start + 1, commands: readCommands(body, start + 2) });
    }
  }
  return blocks;
}

/** Splits a `sh` block into commands, attaching the comment lines that follow each one. */
function readCommands(body: string[], firstLine: number): DocCommand[] {
  const commands: DocCommand[] = [];
  let last: DocCommand | undefined;
  for (let i = 0; i < body.length; i++) {
    const line = body[i]!;
    if (line.trim() === '') {
      last = undefined;
    } else if (line.startsWith('#')) {
      if (last) last.expected.push(line.replace(/^# ?/, ''));
    } else {
      const parts = [line];
      while (parts[parts.length - 1]!.endsWith('\\') && i + 1 < body.length) parts.push(body[++i]!);
      last = { text: parts.join('\n'), line: firstLine + i - (parts.length - 1), expected: [] };
      commands.push(last);
    }
  }
  return commands;
}

/** Whether `actual` matches one expected line, where `...` stands for anything. */
export function lineMatches(expected: string, actual: string): boolean {
  const pattern = expected
    .split('...')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(actual);
}

/** Whether every expected line appears in `output`, in order (other lines may come between). */
export function containsInOrder(expected: string[], output: string): boolean {
  const lines = output.split('\n');
  let at = 0;
  for (const want of expected) {
    while (at < lines.length && !lineMatches(want, lines[at]!)) at++;
    if (at === lines.length) return false;
    at++;
  }
  return true;
}
