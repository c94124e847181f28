// KV transactions on the wire (flo-wire.md §7.2.10): KV_BEGIN_TXN, KV_COMMIT_TXN and
// KV_ROLLBACK_TXN. The engine owns the transactions (ids, buffers, the 1 000-write limit,
// the idle rollback, namespace binding); this file reads the ids and routing keys and
// computes `pinned_hash`, the 64-bit FNV-1a of the effective namespace, one 0x00 byte and
// the routing key (offset basis 0xCBF29CE484222325, prime 0x100000001B3).
//
//   BEGIN reply   [variant:u8 = 0][txn_id:u64][pinned_hash:u64]        17 bytes
//   COMMIT reply  [variant:u8 = 1][commit_index:u64][op_count:u16]      11 bytes
//   ROLLBACK      empty
//
// The id of COMMIT and ROLLBACK is option txn_id, or else an 8-byte value `[txn_id:u64]`.

import { ok as assert } from 'node:assert/strict';
import type { KvStore } from '../../engine/mod.ts';
import { ok, type HandlerRequest, type Reply } from '../handler.ts';
import { BodyReader } from '../wire/body_reader.ts';
import { BodyWriter } from '../wire/body_writer.ts';
import { OptionTag } from '../wire/option_tags.ts';
import { badRequest } from '../wire/wire_error.ts';
import { txnIdOf, unknownTransaction } from './kv_args.ts';

const FNV_OFFSET_BASIS = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const BEGIN_VARIANT = 0;
const COMMIT_VARIANT = 1;
const encoder = new TextEncoder();

/** FNV-1a (64-bit) over `parts`, in order. */
export function fnv1a64(...parts: readonly Uint8Array[]): bigint {
  let hash = FNV_OFFSET_BASIS;
  for (const part of parts) {
    for (const byte of part) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * FNV_PRIME);
  }
  return hash;
}

/** The `pinned_hash` of a transaction of `namespace` routed by `routingKey`. */
export function pinnedHash(namespace: string, routingKey: Uint8Array): bigint {
  assert(namespace.length > 0, 'the effective namespace is never empty');
  return fnv1a64(encoder.encode(namespace), Uint8Array.of(0), routingKey);
}

export class KvTxnOps {
  private readonly store: KvStore;

  constructor(store: KvStore) {
    this.store = store;
  }

  async begin(request: HandlerRequest): Promise<Reply> {
    const routingKey = request.key.length > 0 ? request.key
      : request.options.bytesOf(OptionTag.routing_key) ?? request.key;
    if (routingKey.length === 0) throw badRequest('routing key is required');
    const hash = pinnedHash(request.namespace, routingKey);
    const txnId = await this.store.beginTxn(request.namespace);
    assert(txnId > 0, 'transaction ids start at 1');
    return ok(new BodyWriter(17).u8(BEGIN_VARIANT).u64(txnId).u64(hash).toBytes());
  }

  async commit(request: HandlerRequest): Promise<Reply> {
    const commit = await this.store.commitTxn(request.namespace, endingTxnId(request));
    assert(commit.opCount <= 0xffff, 'op_count fits its u16');
    return ok(new BodyWriter(11).u8(COMMIT_VARIANT).u64(commit.version).u16(commit.opCount)
      .toBytes());
  }

  async rollback(request: HandlerRequest): Promise<Reply> {
    await this.store.rollbackTxn(request.namespace, endingTxnId(request));
    return ok();
  }
}

// The id a COMMIT or ROLLBACK names: option txn_id, else an 8-byte value.
function endingTxnId(request: HandlerRequest): number {
  const fromOption = txnIdOf(request.options);
  if (fromOption !== undefined) return fromOption;
  if (request.value.length !== 8) {
    throw badRequest('txn_id is required: option 0x09 or an 8-byte value [txn_id:u64]');
  }
  const id = new BodyReader(request.value).u64Big('txn_id');
  if (id === 0n || id > BigInt(Number.MAX_SAFE_INTEGER)) throw unknownTransaction();
  return Number(id);
}
