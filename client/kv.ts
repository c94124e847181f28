// The KV family (flo-wire.md §7.2): put/get (with block_ms and wait_ms), mget, delete,
// exists, touch/persist, scan (paged), history, incr, the JSON ops and transactions, each
// encoding its request and decoding its reply into typed results. A missing key is null (get,
// history, jsonGet) or false (delete without casVersion), as the official SDKs treat it; other
// statuses throw their FloStatusError. Versions and sequence numbers are numbers (they stay
// below 2^53); counters and hashes are bigint.

import type { BodyReader } from '../server/wire/body_reader.ts';
import { BodyWriter } from '../server/wire/body_writer.ts';
import { OpCode } from '../server/wire/opcodes.ts';
import { OptionTag } from '../server/wire/option_tags.ts';
import { bytesOf, textOf, type Bytes } from './bytes.ts';
import {
  badReply, decodeBody, FamilyBase, okBody, okBodyOrNull, type CallBase,
} from './family_base.ts';
import { pageValue, readItems, readPage, type Page, type PageOptions } from './paging.ts';
import { RequestOptions } from './request_options.ts';

/** A transaction id from beginTxn(). */
export type TxnId = number | bigint;

export interface InTxn extends CallBase {
  /** Runs the op inside this transaction (§7.2.10). */
  readonly txnId?: TxnId;
}

export interface PutOptions extends InTxn {
  /** Time to live (ms); absent or 0: no expiry. */
  readonly ttlMs?: number;
  /** 0: the key must be missing; N: the key must exist with version N. */
  readonly casVersion?: number;
  readonly ifNotExists?: boolean;
  readonly ifExists?: boolean;
}

export interface GetOptions extends InTxn {
  /** Wait up to this long for the key to exist (ms). */
  readonly blockMs?: number;
  /** Wait up to this long for the key's next change (ms); wins over blockMs. */
  readonly waitMs?: number;
}

export interface CasOptions extends InTxn {
  readonly casVersion?: number;
}

export interface ScanOptions extends CallBase, PageOptions {
  /** Leave values out (each comes back empty). */
  readonly keysOnly?: boolean;
}

/** A key's value and its version (0 for a value buffered in a transaction). */
export interface KvValue {
  readonly version: number;
  readonly value: Uint8Array;
}

export interface KvScanEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export interface KvHistoryEntry {
  readonly version: number;
  readonly timestampMs: number;
  readonly value: Uint8Array;
}

export interface TxnHandle {
  readonly txnId: bigint;
  /** FNV-1a of namespace, 0x00, routing key: opaque to clients. */
  readonly pinnedHash: bigint;
}

export interface CommitResult {
  /** The version every key the transaction set now has (0 for an empty transaction). */
  readonly commitIndex: number;
  readonly opCount: number;
}

const MGET_KEYS_MAX = 256;

const txnOptions = (options: InTxn): RequestOptions =>
  new RequestOptions().u64(OptionTag.txn_id, options.txnId);

const versionOf = (reader: BodyReader): number => reader.u64('version');
const kvValueOf = (reader: BodyReader): KvValue => ({
  version: reader.u64('version'), value: reader.rest(),
});

const readVersion = (opCode: number, body: Uint8Array): number =>
  decodeBody(opCode, body, versionOf);

const readNothing = (opCode: number, body: Uint8Array): void =>
  decodeBody(opCode, body, () => undefined);

export class KvApi extends FamilyBase {
  /** Stores `value` under `key`; resolves with the new version (0 inside a transaction). */
  async put(key: Bytes, value: Bytes, options: PutOptions = {}): Promise<number> {
    const opts = txnOptions(options)
      .u64(OptionTag.ttl_ms, options.ttlMs)
      .u64(OptionTag.cas_version, options.casVersion)
      .flag(OptionTag.if_not_exists, options.ifNotExists)
      .flag(OptionTag.if_exists, options.ifExists);
    // Fields named, not spread: put and get are the calls a pipelined client makes most.
    const reply = await this.send(OpCode.KV_PUT, {
      namespace: options.namespace, timeoutMs: options.timeoutMs, key, value, options: opts,
    });
    return readVersion(OpCode.KV_PUT, okBody(reply));
  }

  /** The key's value and version, or null when it is missing (or a wait ended empty). */
  async get(key: Bytes, options: GetOptions = {}): Promise<KvValue | null> {
    const opts = txnOptions(options)
      .u32(OptionTag.block_ms, options.blockMs)
      .u32(OptionTag.wait_ms, options.waitMs);
    const blockMs = Math.max(options.blockMs ?? 0, options.waitMs ?? 0);
    const reply = await this.send(OpCode.KV_GET, {
      namespace: options.namespace, timeoutMs: options.timeoutMs, key, options: opts, blockMs,
    });
    const body = okBodyOrNull(reply);
    return body === null ? null : decodeBody(OpCode.KV_GET, body, kvValueOf);
  }

  /** One entry per key, in order (duplicates repeated); null for a missing key. */
  async mget(keys: readonly Bytes[], options: InTxn = {}): Promise<(KvValue | null)[]> {
    if (keys.length === 0 || keys.length > MGET_KEYS_MAX) {
      throw new RangeError(`mget takes 1-${MGET_KEYS_MAX} keys, got ${keys.length}`);
    }
    const value = new BodyWriter().u16(keys.length);
    for (const key of keys) value.bytesU16(bytesOf(key));
    const body = await this.call(OpCode.KV_MGET, {
      ...options, value: value.toBytes(), options: txnOptions(options),
    });
    return decodeBody(OpCode.KV_MGET, body, (reader) => {
      const entries = readItems(reader, reader.u32('count'), () => {
        const status = reader.u8('status');
        reader.bytesU16('key');
        const version = reader.u64('version');
        const found = reader.bytesU32('value');
        if (status !== 0 && status !== 2) throw badReply(OpCode.KV_MGET, `entry status ${status}`);
        return status === 0 ? { version, value: found } : null;
      });
      if (entries.length !== keys.length) {
        throw badReply(OpCode.KV_MGET, `${entries.length} entries for ${keys.length} keys`);
      }
      return entries;
    });
  }

  /**
   * Deletes `key`. Without casVersion a missing key resolves false (nothing to delete); with
   * casVersion it throws FloNotFoundError, and a version mismatch FloConflictError.
   */
  async delete(key: Bytes, options: CasOptions = {}): Promise<boolean> {
    const opts = txnOptions(options).u64(OptionTag.cas_version, options.casVersion);
    const request = { ...options, key, options: opts };
    const body = options.casVersion === undefined
      ? await this.callOrNull(OpCode.KV_DELETE, request)
      : await this.call(OpCode.KV_DELETE, request);
    if (body === null) return false;
    readNothing(OpCode.KV_DELETE, body);
    return true;
  }

  /** Whether `key` exists, and its version (0 when missing or buffered in a transaction). */
  async exists(key: Bytes, options: InTxn = {}): Promise<{ exists: boolean; version: number }> {
    const body = await this.call(OpCode.KV_EXISTS, {
      ...options, key, options: txnOptions(options),
    });
    return decodeBody(OpCode.KV_EXISTS, body, (reader) => {
      const version = reader.u64('version');
      return { version, exists: reader.flag('present') };
    });
  }

  /** Sets a new TTL (0 removes it); the version stays. FloNotFoundError when missing. */
  async touch(key: Bytes, ttlMs: number, options: CasOptions = {}): Promise<void> {
    const opts = txnOptions(options).u64(OptionTag.cas_version, options.casVersion);
    const value = new BodyWriter(8).u64(ttlMs).toBytes();
    const body = await this.call(OpCode.KV_TOUCH, { ...options, key, value, options: opts });
    readNothing(OpCode.KV_TOUCH, body);
  }

  /** Removes the TTL; the version stays. FloNotFoundError when missing. */
  async persist(key: Bytes, options: CasOptions = {}): Promise<void> {
    const opts = txnOptions(options).u64(OptionTag.cas_version, options.casVersion);
    const body = await this.call(OpCode.KV_PERSIST, { ...options, key, options: opts });
    readNothing(OpCode.KV_PERSIST, body);
  }

  /** Keys starting with `prefix` (empty: all), ascending bytewise, one page at a time. */
  async scan(prefix: Bytes, options: ScanOptions = {}): Promise<Page<KvScanEntry>> {
    const opts = new RequestOptions().flag(OptionTag.keys_only, options.keysOnly);
    const body = await this.call(OpCode.KV_SCAN, {
      ...options, key: prefix, value: pageValue(options), options: opts,
    });
    return decodeBody(OpCode.KV_SCAN, body, (reader) => readPage(reader, () => ({
      key: reader.bytesU16('key'), value: reader.bytesU32('value'),
    })));
  }

  /** The key's writes, newest first (at most `limit`); null when the key is missing. */
  async history(
    key: Bytes,
    options: CallBase & { limit?: number } = {},
  ): Promise<KvHistoryEntry[] | null> {
    const opts = new RequestOptions().u32(OptionTag.limit, options.limit);
    const body = await this.callOrNull(OpCode.KV_HISTORY, { ...options, key, options: opts });
    if (body === null) return null;
    return decodeBody(OpCode.KV_HISTORY, body, (reader) =>
      readItems(reader, reader.u32('count'), () => ({
        version: reader.u64('version'),
        timestampMs: reader.i64('timestamp_ms'),
        value: reader.bytesU32('value'),
      })));
  }

  /** Adds `delta` (default 1) to the i64 counter at `key` (missing counts as 0). */
  async incr(
    key: Bytes,
    delta: number | bigint = 1,
    options: InTxn = {},
  ): Promise<{ version: number; value: bigint }> {
    const value = delta === 1 ? undefined : new BodyWriter(8).i64(delta).toBytes();
    const body = await this.call(OpCode.KV_INCR, {
      ...options, key, value, options: txnOptions(options),
    });
    return decodeBody(OpCode.KV_INCR, body, (reader) => ({
      version: reader.u64('version'), value: reader.i64Big('value'),
    }));
  }

  /** The compact JSON text at `path` ($ by default), or null when the key or path is missing. */
  async jsonGet(
    key: Bytes,
    path = '$',
    options: InTxn = {},
  ): Promise<{ version: number; json: string } | null> {
    const body = await this.callOrNull(OpCode.KV_JSON_GET, {
      ...options, key, value: bytesOf(path), options: txnOptions(options),
    });
    if (body === null) return null;
    return decodeBody(OpCode.KV_JSON_GET, body, (reader) => ({
      version: reader.u64('version'), json: textOf(reader.rest()),
    }));
  }

  /** Sets the node at `path` to `json` (JSON text); resolves with the new version. */
  async jsonSet(key: Bytes, path: string, json: string, options: InTxn = {}): Promise<number> {
    const value = new BodyWriter().bytesU16(bytesOf(path)).utf8(json).toBytes();
    const body = await this.call(OpCode.KV_JSON_SET, {
      ...options, key, value, options: txnOptions(options),
    });
    return readVersion(OpCode.KV_JSON_SET, body);
  }

  /** Removes the node at `path` ($: the key); resolves with the new version, 0 for $. */
  async jsonDel(key: Bytes, path: string, options: InTxn = {}): Promise<number> {
    const body = await this.call(OpCode.KV_JSON_DEL, {
      ...options, key, value: bytesOf(path), options: txnOptions(options),
    });
    return readVersion(OpCode.KV_JSON_DEL, body);
  }

  /** Starts a transaction bound to the namespace, routed by `routingKey`. */
  async beginTxn(routingKey: Bytes, options: CallBase = {}): Promise<TxnHandle> {
    const key = bytesOf(routingKey);
    if (key.length === 0) throw new RangeError('routingKey is required');
    // The key carries it; the official SDKs send it as option routing_key too, and so do we.
    const opts = new RequestOptions().bytes(OptionTag.routing_key, key);
    const body = await this.call(OpCode.KV_BEGIN_TXN, { ...options, key, options: opts });
    return decodeBody(OpCode.KV_BEGIN_TXN, body, (reader) => {
      const variant = reader.u8('variant');
      if (variant !== 0) throw badReply(OpCode.KV_BEGIN_TXN, `variant ${variant}`);
      return { txnId: reader.u64Big('txn_id'), pinnedHash: reader.u64Big('pinned_hash') };
    });
  }

  /** Applies the buffered writes atomically; a failed condition throws its status error. */
  async commitTxn(txnId: TxnId, options: CallBase = {}): Promise<CommitResult> {
    const body = await this.call(OpCode.KV_COMMIT_TXN, {
      ...options, options: txnOptions({ txnId }),
    });
    return decodeBody(OpCode.KV_COMMIT_TXN, body, (reader) => {
      const variant = reader.u8('variant');
      if (variant !== 1) throw badReply(OpCode.KV_COMMIT_TXN, `variant ${variant}`);
      return { commitIndex: reader.u64('commit_index'), opCount: reader.u16('op_count') };
    });
  }

  /** Discards the transaction's buffered writes. */
  async rollbackTxn(txnId: TxnId, options: CallBase = {}): Promise<void> {
    const body = await this.call(OpCode.KV_ROLLBACK_TXN, {
      ...options, options: txnOptions({ txnId }),
    });
    readNothing(OpCode.KV_ROLLBACK_TXN, body);
  }
}
