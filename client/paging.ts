// Paging (flo-wire.md §8) for the list and scan ops: the request value
// `[limit:u32][cursor:bytes to end]` and the reply trailer `[has_more:u8][cursor_len:u16]
// [cursor]`. Cursors are opaque bytes: pass a page's cursor back to get the next page.
// Used by kv.ts (scan), queue.ts, stream.ts, action.ts and worker.ts (list ops).

import type { BodyReader } from '../server/wire/body_reader.ts';
import { BodyWriter } from '../server/wire/body_writer.ts';
import { FloProtocolError } from './errors.ts';

/** Which page to ask for. */
export interface PageOptions {
  /** Items per page; 0 or absent means the server default (100); above 1 000 is clamped. */
  readonly limit?: number;
  /** The cursor of the previous page; absent for the first page. */
  readonly cursor?: Uint8Array | null;
}

/** One page of a listing. */
export interface Page<T> {
  readonly items: T[];
  /** True when more items follow; `cursor` then fetches them. */
  readonly hasMore: boolean;
  /** Non-null exactly when hasMore. */
  readonly cursor: Uint8Array | null;
}

/** The request value `[limit:u32][cursor]`. */
export function pageValue(options: PageOptions = {}): Uint8Array {
  const limit = options.limit ?? 0;
  if (!Number.isInteger(limit) || limit < 0 || limit > 0xffff_ffff) {
    throw new RangeError(`limit must be an integer in [0, 2^32), got ${limit}`);
  }
  const cursor = options.cursor ?? new Uint8Array(0);
  return new BodyWriter(4 + cursor.length).u32(limit).bytes(cursor).toBytes();
}

/** Reads `count` items with `readItem`, then the trailer. */
export function readPage<T>(reader: BodyReader, readItem: (reader: BodyReader) => T): Page<T> {
  const count = reader.u32('count');
  const items = readItems(reader, count, readItem);
  const hasMore = reader.flag('has_more');
  const cursor = reader.bytesU16('cursor');
  if (hasMore !== (cursor.length > 0)) {
    throw new FloProtocolError(`page trailer: has_more ${hasMore} with a ` +
      `${cursor.length}-byte cursor`);
  }
  return { items, hasMore, cursor: hasMore ? cursor : null };
}

/**
 * `count` items read with `readItem`. The count comes from the peer, so it grows the array
 * item by item (a read past the end throws first) instead of allocating `count` slots.
 */
export function readItems<T>(
  reader: BodyReader,
  count: number,
  readItem: (reader: BodyReader) => T,
): T[] {
  const items: T[] = [];
  for (let index = 0; index < count; index++) items.push(readItem(reader));
  return items;
}
