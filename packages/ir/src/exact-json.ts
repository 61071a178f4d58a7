// An integer literal of 16 digits or more may be beyond 2^53 (9007199254740992 has 16).
const LONG_DIGIT_RUN = /\d{16}/;

/**
 * Parses JSON text like `JSON.parse`, except that integer literals beyond 2^53 keep their
 * exact value: they become `{"$int": "<digits>"}`, the encoding of a big Python int,
 * instead of the nearest float. Throws `SyntaxError` for text that is not JSON.
 *
 * Text without a run of 16 digits (almost every request) is parsed once; otherwise the
 * big literals are rewritten in the text (outside strings) and it is parsed again.
 */
export function parseJsonExact(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (!LONG_DIGIT_RUN.test(text)) return value;
  const rewritten = tagBigIntegerLiterals(text);
  return rewritten === text ? value : JSON.parse(rewritten);
}

/** `text` (valid JSON) with every integer literal beyond 2^53 replaced by `{"$int": "<literal>"}`. */
function tagBigIntegerLiterals(text: string): string {
  let out = '';
  let copied = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      // Skip the string, escapes included.
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i += 2;
        else if (d === 34) break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      const start = i;
      let integer = true;
      i++;
      for (; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d >= 48 && d <= 57) continue;
        if (d === 46 /* . */ || d === 101 /* e */ || d === 69 /* E */ || d === 43 /* + */ || d === 45) integer = false;
        else break;
      }
      if (integer && i - start >= 16) {
        const literal = text.slice(start, i);
        if (!Number.isSafeInteger(Number(literal))) {
          out += `${text.slice(copied, start)}{"$int":"${literal}"}`;
          copied = i;
        }
      }
      continue;
    }
    i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
}
