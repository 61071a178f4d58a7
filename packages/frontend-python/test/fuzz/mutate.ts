import type { Random } from './random.js';

/** Splits Python-ish text into tokens, keeping whitespace and newlines as tokens so joining restores it. */
export function tokenize(source: string): string[] {
  return source.match(/\s+|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|\*\*|\/\/|->|[=!<>]=|[^\sA-Za-z0-9_]/g) ?? [];
}

const KEYWORDS = [
  'if', 'else', 'elif', 'while', 'for', 'in', 'try', 'except', 'finally', 'with', 'as', 'lambda', 'return',
  'yield', 'await', 'async', 'def', 'class', 'break', 'continue', 'pass', 'raise', 'global', 'nonlocal',
  'del', 'assert', 'not', 'and', 'or', 'is', 'None', 'self', ':', '(', ')', '[', ']', '{', '}', ',', '.',
  '=', ':=', '*', '**', '@', '\n', '    ', '"""', '#', '\\', 'match', 'case', '__sf_t0', '@stateflow',
];

/** One random edit of a program: token deletion, duplication, swap, replacement or insertion, or a line edit. */
export function mutate(source: string, rnd: Random, donors: string[]): string {
  const kind = rnd.int(8);
  if (kind >= 6) {
    const lines = source.split('\n');
    const i = rnd.int(lines.length);
    if (kind === 6) lines.splice(i, 1);
    else if (rnd.chance(0.5)) lines.splice(i, 0, lines[rnd.int(lines.length)]!);
    else lines[i] = (rnd.chance(0.5) ? '    ' : '') + lines[i]!.replace(/^ {4}/, rnd.chance(0.5) ? '' : '  ');
    return lines.join('\n');
  }
  const tokens = tokenize(source);
  if (tokens.length === 0) return rnd.pick(KEYWORDS);
  const i = rnd.int(tokens.length);
  switch (kind) {
    case 0:
      tokens.splice(i, 1);
      break;
    case 1:
      tokens.splice(i, 0, tokens[i]!);
      break;
    case 2: {
      const j = Math.min(tokens.length - 1, i + 1 + rnd.int(3));
      [tokens[i], tokens[j]] = [tokens[j]!, tokens[i]!];
      break;
    }
    case 3:
      tokens[i] = rnd.pick(rnd.chance(0.5) ? KEYWORDS : tokenize(rnd.pick(donors)));
      break;
    case 4:
      tokens.splice(i, 0, rnd.pick(KEYWORDS), rnd.chance(0.5) ? ' ' : '');
      break;
    default:
      tokens.splice(i, rnd.int(12) + 1);
      break;
  }
  return tokens.join('');
}
