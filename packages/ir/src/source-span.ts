/** A region of the user's Python source. Lines and columns are 1-based; `end` is exclusive. */
export interface SourceSpan {
  /** Path of the source file as given to the compiler. */
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** Every IR node has a location; nodes the compiler invents say so explicitly. */
export type Loc = SourceSpan | 'synthetic';
