// The KV family (flo-wire.md §7.2) over the engine's KvStore: put, get (parks with block_ms
// or wait_ms exactly when the engine waits), delete, touch, persist, exists, incr and the
// JSON ops here; mget, scan and history in kv_lists.ts; transactions in kv_txn.ts. Handlers
// check the key (required, reserved prefixes are UNAUTHORIZED) and the options an op uses,
// call the store, and encode the reply; KV rules (versions, TTL, conditions, waits) live in
// engine/kv. Every KV op takes `txn_id` (§7.2.10) but KV_SCAN and KV_HISTORY, which read
// committed state. A missing key is NOT_FOUND with an empty body (the dispatcher empties
// it for every KV op, §3.4).
//
// Replies: PUT, JSON_SET, JSON_DEL `[version:u64]`; GET `[version:u64][value]`; EXISTS
// `[version:u64][present:u8]`; INCR `[version:u64][value:i64]`; JSON_GET
// `[version:u64][json]`; DELETE, TOUCH, PERSIST empty.

import type { KvStore } from '../../engine/mod.ts';
import { ok, type HandlerRequest, type Reply, type RequestContext } from '../handler.ts';
import type { HandlerTable } from '../handler_table.ts';
import { BodyReader } from '../wire/body_reader.ts';
import { BodyWriter } from '../wire/body_writer.ts';
import { Status } from '../wire/frame.ts';
import { waitMsMax } from '../wire/limits.ts';
import { OpCode } from '../wire/opcodes.ts';
import { OptionTag } from '../wire/option_tags.ts';
import { badRequest, malformedValue } from '../wire/wire_error.ts';
import { blockMsOf, boundedUint, parkHooks } from './handler_args.ts';
import {
  jsonTextOf, kvKey, pathOf, txnIdOf, u64Body, type KvHandlerLimits,
} from './kv_args.ts';
import { KvLists } from './kv_lists.ts';
import { KvTxnOps } from './kv_txn.ts';

type KvHandler = (request: HandlerRequest, context: RequestContext) => Promise<Reply>;

const NOT_FOUND: Reply = { status: Status.NOT_FOUND, body: new Uint8Array(0) };
const PRESENT = Uint8Array.of(1);
const ABSENT_BODY = new Uint8Array(9);

/** Registers every op of §7.2 on `table`. */
export function registerKvHandlers(
  table: HandlerTable,
  store: KvStore,
  limits: KvHandlerLimits,
): void {
  const ops = new KvOps(store);
  const lists = new KvLists(store, limits);
  const txns = new KvTxnOps(store);
  const handlers: Array<[number, KvHandler]> = [
    [OpCode.KV_PUT, (request) => ops.put(request)],
    [OpCode.KV_GET, (request, context) => ops.get(request, context)],
    [OpCode.KV_DELETE, (request) => ops.delete(request)],
    [OpCode.KV_TOUCH, (request) => ops.touch(request)],
    [OpCode.KV_PERSIST, (request) => ops.persist(request)],
    [OpCode.KV_EXISTS, (request) => ops.exists(request)],
    [OpCode.KV_INCR, (request) => ops.incr(request)],
    [OpCode.KV_JSON_GET, (request) => ops.jsonGet(request)],
    [OpCode.KV_JSON_SET, (request) => ops.jsonSet(request)],
    [OpCode.KV_JSON_DEL, (request) => ops.jsonDel(request)],
    [OpCode.KV_MGET, (request) => lists.mget(request)],
    [OpCode.KV_SCAN, (request) => lists.scan(request)],
    [OpCode.KV_HISTORY, (request) => lists.history(request)],
    [OpCode.KV_BEGIN_TXN, (request) => txns.begin(request)],
    [OpCode.KV_COMMIT_TXN, (request) => txns.commit(request)],
    [OpCode.KV_ROLLBACK_TXN, (request) => txns.rollback(request)],
  ];
  for (const [opCode, handler] of handlers) table.register(opCode, handler);
}

class KvOps {
  private readonly store: KvStore;

  constructor(store: KvStore) {
    this.store = store;
  }

  async put(request: HandlerRequest): Promise<Reply> {
    const { options } = request;
    const key = kvKey(request.key);
    const txnId = txnIdOf(options);
    const ifNotExists = options.flag(OptionTag.if_not_exists);
    const ifExists = options.flag(OptionTag.if_exists);
    if (ifNotExists && ifExists) throw badRequest('if_not_exists and if_exists are both set');
    const version = await this.store.put(request.namespace,
      // A transaction keeps its writes until commit; the request's bytes are a view.
      txnId === undefined ? key : key.slice(),
      txnId === undefined ? request.value : request.value.slice(), {
        ttlMs: options.uint(OptionTag.ttl_ms), casVersion: options.uint(OptionTag.cas_version),
        ifNotExists, ifExists, txnId,
      });
    return ok(u64Body(version));
  }

  async get(request: HandlerRequest, context: RequestContext): Promise<Reply> {
    const { options } = request;
    const key = kvKey(request.key);
    const txnId = txnIdOf(options);
    let entry;
    if (txnId !== undefined) {
      // Inside a transaction the wait options are ignored (§3.3), so not validated either.
      entry = await this.store.get(request.namespace, key, { txnId });
    } else {
      const blockMs = blockMsOf(options);
      const waitMs = boundedUint(options, OptionTag.wait_ms, waitMsMax) ?? 0;
      entry = await this.store.get(request.namespace, key, blockMs === 0 && waitMs === 0
        ? undefined
        : Object.assign(parkHooks(context, true), { blockMs, waitMs }));
    }
    return entry === null ? NOT_FOUND : ok(u64Body(entry.version, entry.value));
  }

  async delete(request: HandlerRequest): Promise<Reply> {
    const key = kvKey(request.key);
    const txnId = txnIdOf(request.options);
    const existed = await this.store.delete(request.namespace,
      txnId === undefined ? key : key.slice(),
      { casVersion: request.options.uint(OptionTag.cas_version), txnId });
    return existed ? ok() : NOT_FOUND;
  }

  async touch(request: HandlerRequest): Promise<Reply> {
    const key = kvKey(request.key);
    const txnId = txnIdOf(request.options);
    if (request.value.length !== 8) {
      throw malformedValue(`KV_TOUCH takes [ttl_ms:u64], 8 bytes; got ${request.value.length}`);
    }
    const ttlMs = new BodyReader(request.value).u64('ttl_ms');
    await this.store.touch(request.namespace, txnId === undefined ? key : key.slice(), ttlMs,
      { casVersion: request.options.uint(OptionTag.cas_version), txnId });
    return ok();
  }

  async persist(request: HandlerRequest): Promise<Reply> {
    const key = kvKey(request.key);
    const txnId = txnIdOf(request.options);
    await this.store.persist(request.namespace, txnId === undefined ? key : key.slice(),
      { casVersion: request.options.uint(OptionTag.cas_version), txnId });
    return ok();
  }

  async exists(request: HandlerRequest): Promise<Reply> {
    const key = kvKey(request.key);
    const found = await this.store.exists(request.namespace, key,
      { txnId: txnIdOf(request.options) });
    return ok(found.present ? u64Body(found.version, PRESENT) : ABSENT_BODY);
  }

  async incr(request: HandlerRequest): Promise<Reply> {
    const key = kvKey(request.key);
    const txnId = txnIdOf(request.options);
    const { value } = request;
    if (value.length !== 0 && value.length !== 8) {
      throw malformedValue(`KV_INCR takes an empty value or [delta:i64], 8 bytes; got ` +
        `${value.length}`);
    }
    const delta = value.length === 0 ? 1n : new BodyReader(value).i64Big('delta');
    const result = await this.store.incr(request.namespace,
      txnId === undefined ? key : key.slice(), delta, { txnId });
    return ok(new BodyWriter(16).u64(result.version).i64(result.value).toBytes());
  }

  async jsonGet(request: HandlerRequest): Promise<Reply> {
    const key = kvKey(request.key);
    const found = await this.store.jsonGet(request.namespace, key, pathOf(request.value),
      { txnId: txnIdOf(request.options) });
    if (found === null) return NOT_FOUND;
    return ok(new BodyWriter(8 + found.json.length * 3).u64(found.version).utf8(found.json)
      .toBytes());
  }

  async jsonSet(request: HandlerRequest): Promise<Reply> {
    const key = kvKey(request.key);
    const txnId = txnIdOf(request.options);
    const reader = new BodyReader(request.value);
    const path = pathOf(reader.bytesU16('path'));
    const json = jsonTextOf(reader.rest());
    const version = await this.store.jsonSet(request.namespace,
      txnId === undefined ? key : key.slice(), path, json, { txnId });
    return ok(u64Body(version));
  }

  async jsonDel(request: HandlerRequest): Promise<Reply> {
    const key = kvKey(request.key);
    const txnId = txnIdOf(request.options);
    const version = await this.store.jsonDel(request.namespace,
      txnId === undefined ? key : key.slice(), pathOf(request.value), { txnId });
    return ok(u64Body(version));
  }
}
