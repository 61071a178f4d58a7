import { MessageHeader } from 'apache-arrow';
import { DictionaryBatch as FbDictionaryBatch } from 'apache-arrow/fb/dictionary-batch';
import { Footer as FbFooter } from 'apache-arrow/fb/footer';
import { Message as FbMessage } from 'apache-arrow/fb/message';
import { RecordBatch as FbRecordBatch } from 'apache-arrow/fb/record-batch';
import { ByteBuffer } from 'flatbuffers';

/** Bytes of one entry of a record batch's `nodes` and `buffers` (FieldNode, Buffer: two int64 each). */
const ENTRY_BYTES = 16;
/** Bytes of one block (offset, metadata length, body length) in a file's footer. */
const BLOCK_BYTES = 24;
const CONTINUATION = -1;
/** `ARROW1` and its padding, which start an Arrow IPC file; the file ends with the footer's length and `ARROW1`. */
const FILE_HEAD = 8;
const FILE_TAIL = 10;
const MAGIC = 'ARROW1';

/**
 * Checks the messages apache-arrow would decode from `bytes` (an Arrow IPC file or stream)
 * before it decodes any: a file's footer and every message its blocks point at, or each
 * message of a stream in turn. Throws a description of the first damage found.
 */
export function checkIpcBounds(bytes: Uint8Array): void {
  if (isFile(bytes)) checkFile(bytes);
  else for (let at: number | undefined = 0; at !== undefined && at < bytes.length; ) at = checkMessageAt(bytes, at);
}

function isFile(bytes: Uint8Array): boolean {
  return bytes.length >= FILE_HEAD && Buffer.from(bytes.subarray(0, MAGIC.length)).toString('latin1') === MAGIC;
}

function checkFile(bytes: Uint8Array): void {
  const size = bytes.length;
  if (size < FILE_HEAD + FILE_TAIL) throw new Error(`it is cut short (${size} bytes)`);
  const footerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(size - FILE_TAIL, true);
  const start = size - FILE_TAIL - footerLength;
  if (footerLength <= 0 || start < FILE_HEAD) throw new Error(`its footer's length (${footerLength} bytes) does not fit the file`);
  const footer = FbFooter.getRootAsFooter(new ByteBuffer(bytes.subarray(start, size - FILE_TAIL)));
  const dictionaries = footer.dictionariesLength();
  const batches = footer.recordBatchesLength();
  if ((dictionaries + batches) * BLOCK_BYTES > footerLength) throw new Error(`its footer lists ${dictionaries + batches} blocks in ${footerLength} bytes`);
  const blocks = [...Array.from({ length: dictionaries }, (_, i) => footer.dictionaries(i)), ...Array.from({ length: batches }, (_, i) => footer.recordBatches(i))];
  for (const block of blocks) {
    if (!block) throw new Error('its footer has a missing block');
    const at = Number(block.offset());
    if (!(at >= FILE_HEAD && at < start)) throw new Error(`its footer points at byte ${at}, outside the file's messages`);
    checkMessageAt(bytes, at, start);
  }
}

/**
 * Checks the IPC message at `at` (continuation marker, metadata length, metadata, body)
 * against the `size` of the input: the metadata and the body fit, and a record batch's (or
 * dictionary batch's) lists of nodes and buffers are no longer than its metadata could
 * hold. apache-arrow decodes those lists entry by entry before it looks at them, so a
 * damaged count of two billion allocates until the process runs out of memory.
 *
 * Returns where the next message starts, or `undefined` at the end-of-stream marker.
 * Throws a description of the damage.
 */
export function checkMessageAt(bytes: Uint8Array, at: number, size = bytes.length): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const int32 = (pos: number) => {
    if (pos + 4 > size) throw new Error(`a message at byte ${at} is cut short`);
    return view.getInt32(pos, true);
  };
  let pos = at;
  let length = int32(pos);
  pos += 4;
  if (length === CONTINUATION) {
    length = int32(pos);
    pos += 4;
  }
  if (length === 0) return undefined;
  if (length < 0 || pos + length > size) throw new Error(`a message at byte ${at} declares ${length} bytes of metadata past the end`);
  const message = FbMessage.getRootAsMessage(new ByteBuffer(bytes.subarray(pos, pos + length)));
  const body = Number(message.bodyLength());
  if (!(body >= 0 && pos + length + body <= size)) throw new Error(`a message at byte ${at} declares a body of ${body} bytes past the end`);
  let batch: FbRecordBatch | null = null;
  if (message.headerType() === MessageHeader.RecordBatch) batch = message.header(new FbRecordBatch()) as FbRecordBatch | null;
  else if (message.headerType() === MessageHeader.DictionaryBatch) batch = (message.header(new FbDictionaryBatch()) as FbDictionaryBatch | null)?.data() ?? null;
  if (batch) {
    const entries = batch.nodesLength() + batch.buffersLength();
    if (entries * ENTRY_BYTES > length) throw new Error(`a record batch at byte ${at} lists ${entries} nodes and buffers in ${length} bytes of metadata`);
  }
  return pos + length + body;
}
