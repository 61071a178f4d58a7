import { PythonHostError } from './errors.js';

/**
 * The subprocess frame protocol: each frame is a 4-byte big-endian length followed by
 * that many bytes of UTF-8 JSON, in both directions.
 */

/**
 * Encodes one JSON value as a frame. Throws a {@link PythonHostError} `Unencodable` when
 * the value cannot be written as JSON (nested too deeply for `JSON.stringify`, a `BigInt`).
 */
export function encodeFrame(value: unknown): Buffer {
  const text = stringifyForKernel(value);
  const length = Buffer.byteLength(text, 'utf8');
  const frame = Buffer.allocUnsafe(4 + length);
  frame.writeUInt32BE(length, 0);
  frame.write(text, 4, 'utf8');
  return frame;
}

/** Splits a byte stream into frames and parses each as JSON. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Adds bytes; returns every frame completed by them, in order. */
  push(chunk: Buffer): unknown[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: unknown[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const head = this.peek(4);
      const length = head.readUInt32BE(0);
      if (this.buffered < 4 + length) break;
      const whole = this.take(4 + length);
      frames.push(JSON.parse(whole.toString('utf8', 4)));
    }
    return frames;
  }

  /** Bytes received but not yet part of a complete frame. */
  get pending(): number {
    return this.buffered;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }
}

/**
 * `JSON.stringify(value)`, throwing a {@link PythonHostError} `Unencodable` (with the
 * `EncodingError` an event gets when it fails alone) instead of a bare `RangeError`.
 */
export function stringifyForKernel(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    const deep = err instanceof RangeError;
    const message = deep
      ? 'a value of this event is nested too deeply to be sent to the Python worker (JSON.stringify ran out of stack); flatten it'
      : `a value of this event cannot be sent to the Python worker: ${String(err)}`;
    throw new PythonHostError('Unencodable', `cannot encode a batch for the Python worker: ${String(err)}`, {
      cause: err,
      error: { type: 'EncodingError', code: 'EncodingError', message },
    });
  }
}
