import { makeData, type Data, type DataType } from 'apache-arrow';

/**
 * Minimal column builders that write Arrow buffers directly (values, offsets, validity
 * bitmap). apache-arrow's generic helpers (`vectorFromArray`, builders) are an order of
 * magnitude slower for string columns.
 */

/** A validity bitmap being filled, one bit per row (1 = valid). */
class Validity {
  readonly bits: Uint8Array;
  nulls = 0;
  constructor(length: number) {
    this.bits = new Uint8Array(Math.ceil(length / 8));
  }
  valid(i: number): void {
    this.bits[i >> 3]! |= 1 << (i & 7);
  }
  null(): void {
    this.nulls++;
  }
}

/** Builds a variable-width (Utf8 or Binary) column. */
export class VarWidthBuilder {
  private readonly offsets: Int32Array;
  private data: Uint8Array;
  private pos = 0;
  private readonly validity: Validity;
  private static readonly encoder = new TextEncoder();

  constructor(private readonly length: number) {
    this.offsets = new Int32Array(length + 1);
    this.data = new Uint8Array(Math.max(64, length * 16));
    this.validity = new Validity(length);
  }

  private reserve(extra: number): void {
    if (this.pos + extra <= this.data.length) return;
    let size = this.data.length * 2;
    while (size < this.pos + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.data.subarray(0, this.pos));
    this.data = grown;
  }

  /** Sets row `i` (rows are set in order) to a string. */
  string(i: number, value: string): void {
    this.reserve(value.length * 3);
    const { written } = VarWidthBuilder.encoder.encodeInto(value, this.data.subarray(this.pos));
    this.pos += written;
    this.validity.valid(i);
    this.offsets[i + 1] = this.pos;
  }

  /** Sets row `i` to bytes. */
  bytes(i: number, value: Uint8Array): void {
    this.reserve(value.length);
    this.data.set(value, this.pos);
    this.pos += value.length;
    this.validity.valid(i);
    this.offsets[i + 1] = this.pos;
  }

  /** Sets row `i` to null. */
  null(i: number): void {
    this.validity.null();
    this.offsets[i + 1] = this.pos;
  }

  finish<T extends DataType>(type: T): Data<T> {
    return makeData({
      type,
      length: this.length,
      nullCount: this.validity.nulls,
      nullBitmap: this.validity.nulls ? this.validity.bits : null,
      valueOffsets: this.offsets,
      data: this.data.subarray(0, this.pos),
    } as never) as Data<T>;
  }
}

/** Builds a fixed-width column (Int64, Float64, Bool). */
export class FixedWidthBuilder<V extends BigInt64Array | Float64Array | Uint8Array> {
  private readonly validity: Validity;
  constructor(
    private readonly length: number,
    readonly values: V,
  ) {
    this.validity = new Validity(length);
  }

  valid(i: number): void {
    this.validity.valid(i);
  }

  null(): void {
    this.validity.null();
  }

  finish<T extends DataType>(type: T): Data<T> {
    return makeData({
      type,
      length: this.length,
      nullCount: this.validity.nulls,
      nullBitmap: this.validity.nulls ? this.validity.bits : null,
      data: this.values,
    } as never) as Data<T>;
  }
}
