// The KV ops that answer with lists (flo-wire.md §7.2.5-7.2.7), under the reply soft limit
// (§3.4): KV_MGET (the client chose the count, so a reply past the limit is BAD_REQUEST
// `reply too large`), KV_SCAN (both request forms; a page cut by the limit reports has_more
// with the engine's cursor) and KV_HISTORY (newest first, cut after the entries that fit).
// Reserved-prefix keys are never listed: the scan passes the prefixes to the engine.
//
//   MGET value  [count:u16] ( [key_len:u16][key] )*
//   MGET reply  [count:u32] ( [status:u8][key_len:u16][key][version:u64][value_len:u32][value] )*
//   SCAN reply  [count:u32] ( [key_len:u16][key][value_len:u32][value] )*
//               [has_more:u8][cursor_len:u16][cursor]
//   HISTORY     [count:u32] ( [version:u64][timestamp_ms:i64][value_len:u32][value] )*

import { ok as assert } from 'node:assert/strict';
import type { KvEntry, KvHistoryEntry, KvScanPage, KvStore } from '../../engine/mod.ts';
import { ok, type HandlerRequest, type Reply } from '../handler.ts';
import { BodyReader } from '../wire/body_reader.ts';
import { BodyWriter } from '../wire/body_writer.ts';
import { Status } from '../wire/frame.ts';
import { OptionTag } from '../wire/option_tags.ts';
import { badRequest, malformedValue } from '../wire/wire_error.ts';
import { fitCount, pageRequestOf, fittedPage, writePageTrailer } from './handler_args.ts';
import {
  hasReservedPrefix, kvKey, listedKey, RESERVED_KEY_PREFIXES, reservedPrefixError, txnIdOf,
  type KvHandlerLimits,
} from './kv_args.ts';

/** Most keys in one KV_MGET (§2.7). */
const MGET_KEYS_MAX = 256;
/** Largest page limit worth passing on (the engine clamps to 1 000; §8). */
const LIMIT_MAX = 0xffff_ffff;
const NOT_FOUND: Reply = { status: Status.NOT_FOUND, body: new Uint8Array(0) };
const EMPTY = new Uint8Array(0);

const mgetEntryBytes = (key: Uint8Array, entry: KvEntry | null): number =>
  1 + 2 + key.length + 8 + 4 + (entry?.value.length ?? 0);
const scanEntryBytes = (entry: { key: Uint8Array; value: Uint8Array }): number =>
  2 + entry.key.length + 4 + entry.value.length;
const historyEntryBytes = (entry: KvHistoryEntry): number => 8 + 8 + 4 + entry.value.length;

export class KvLists {
  private readonly store: KvStore;
  private readonly limits: KvHandlerLimits;

  constructor(store: KvStore, limits: KvHandlerLimits) {
    assert(limits.replyBytesSoft >= 1024 && limits.keyBytesMax > 0, 'usable limits');
    this.store = store;
    this.limits = limits;
  }

  async mget(request: HandlerRequest): Promise<Reply> {
    const keys = this.readMgetKeys(request.value);
    const entries = await this.store.mget(request.namespace, keys,
      { txnId: txnIdOf(request.options) });
    assert(entries.length === keys.length, 'one entry per key');
    let total = 4;
    for (let index = 0; index < keys.length; index++) {
      total += mgetEntryBytes(keys[index]!, entries[index]!);
    }
    if (total > this.limits.replyBytesSoft) {
      throw badRequest(`reply too large: ${total} bytes; the limit is ` +
        `${this.limits.replyBytesSoft}`);
    }
    const body = new BodyWriter(total).u32(keys.length);
    keys.forEach((key, index) => {
      const entry = entries[index]!;
      body.u8(entry === null ? Status.NOT_FOUND : Status.OK).bytesU16(key)
        .u64(entry?.version ?? 0).bytesU32(entry?.value ?? EMPTY);
    });
    assert(body.byteLength === total, 'the reply has the size it was measured at');
    return ok(body.toBytes());
  }

  async scan(request: HandlerRequest): Promise<Reply> {
    const prefix = request.key;
    if (hasReservedPrefix(prefix)) throw reservedPrefixError();
    const { options } = request;
    // The legacy form (§7.2.6): an empty value takes limit and cursor from options.
    const page = request.value.length > 0 ? pageRequestOf(request.value) : {
      limit: options.uint(OptionTag.limit) ?? 0,
      cursor: options.bytesOf(OptionTag.cursor) ?? EMPTY,
    };
    const keysOnly = options.flag(OptionTag.keys_only);
    const cursor = page.cursor;
    const list = (limit: number): Promise<KvScanPage> => this.store.scan(request.namespace,
      prefix, { limit, cursor, keysOnly, excludePrefixes: RESERVED_KEY_PREFIXES });
    const result = await fittedPage({ limit: Math.min(page.limit, LIMIT_MAX), cursor }, list,
      (scanned) => scanned.entries, {
        sizeOf: scanEntryBytes,
        // Count, trailer and a cursor naming (at most) the longest key on the page.
        fixedBytes: (entries) => 4 + 3 + 1 +
          entries.reduce((most, entry) => Math.max(most, entry.key.length), 0),
        bytesMax: this.limits.replyBytesSoft,
      });
    let total = 4 + 3 + (result.cursor?.length ?? 0);
    for (const entry of result.entries) total += scanEntryBytes(entry);
    const body = new BodyWriter(total).u32(result.entries.length);
    for (const entry of result.entries) body.bytesU16(entry.key).bytesU32(entry.value);
    return ok(writePageTrailer(body, result.hasMore ? result.cursor : null).toBytes());
  }

  async history(request: HandlerRequest): Promise<Reply> {
    const key = kvKey(request.key);
    const limit = Math.min(request.options.uint(OptionTag.limit) ?? 0, LIMIT_MAX);
    const entries = await this.store.history(request.namespace, key, { limit });
    if (entries.length === 0) return NOT_FOUND;
    const fits = fitCount(entries, historyEntryBytes, 4, this.limits.replyBytesSoft);
    let total = 4;
    for (let index = 0; index < fits; index++) total += historyEntryBytes(entries[index]!);
    const body = new BodyWriter(total).u32(fits);
    for (let index = 0; index < fits; index++) {
      const entry = entries[index]!;
      body.u64(entry.version).i64(entry.timestampMs).bytesU32(entry.value);
    }
    return ok(body.toBytes());
  }

  // `[count:u16]( [key_len:u16][key] )*`: 1 to 256 keys, each a valid key; nothing after.
  private readMgetKeys(value: Uint8Array): Uint8Array[] {
    const reader = new BodyReader(value);
    const count = reader.u16('count');
    if (count === 0 || count > MGET_KEYS_MAX) {
      throw badRequest(`KV_MGET takes 1 to ${MGET_KEYS_MAX} keys, got ${count}`);
    }
    const keys: Uint8Array[] = [];
    for (let index = 0; index < count; index++) {
      keys.push(listedKey(reader.bytesU16('key'), this.limits.keyBytesMax));
    }
    if (!reader.atEnd) throw malformedValue(`${reader.remaining} bytes after the key list`);
    return keys;
  }
}
