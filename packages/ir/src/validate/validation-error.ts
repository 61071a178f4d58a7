/** One problem found by {@link validateProgram} or {@link validateEvent}. */
export interface IrValidationError {
  /** JSON pointer to the offending value, e.g. `/entities/0/methods/1/body/blocks/2/terminator/resume`. */
  path: string;
  message: string;
}

/** Escapes one JSON pointer segment (RFC 6901). */
export function escapePointer(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Builds a JSON pointer from segments: `pointer('entities', 0, 'name')` is `/entities/0/name`. */
export function pointer(...segments: (string | number)[]): string {
  return segments.map((s) => `/${escapePointer(s)}`).join('');
}
