// Copies of byte ranges handed to callers: the value a get returns, the keys and values of
// a scan page, a dequeued payload. Each copy is its own Uint8Array, but small ones are
// views on shared 16 KiB slabs, the way Node's Buffer pool serves small Buffers: a fresh
// ArrayBuffer costs ~0.5 µs (an off-heap backing store and its GC bookkeeping), a view on
// a slab ~0.1 µs. The price: a copy keeps its slab alive (holding one small value can hold
// 16 KiB), and copy.buffer is the slab, so read a copy through byteOffset and byteLength,
// as with any Buffer. Not for bytes the engine itself keeps for long (cached payloads):
// those get their own buffer, so one long-lived copy never pins a slab of dead ones.

const SLAB_BYTES = 16 * 1024;
/** Copies longer than this get a buffer of their own. */
export const POOLED_COPY_BYTES_MAX = 1024;

let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsedBytes = 0;

/** A copy of source[start, end), owned by the caller (see the header for its buffer). */
export function copyBytes(
  source: Uint8Array, start: number = 0, end: number = source.length,
): Uint8Array {
  const length = end - start;
  if (length > POOLED_COPY_BYTES_MAX) return source.slice(start, end);
  if (slabUsedBytes + length > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsedBytes = 0;
  }
  const copy = new Uint8Array(slab, slabUsedBytes, length);
  // 8-byte aligned, so a caller may view a copy as wider typed arrays.
  slabUsedBytes += (length + 7) & ~7;
  if (length <= 16) {
    for (let i = 0; i < length; i++) copy[i] = source[start + i]!;
  } else {
    copy.set(source.subarray(start, end));
  }
  return copy;
}
