// StreamGroups: the consumer-group operations of a StreamStore (spec §7.5), reached as
// `store.groups`. Each call checks its arguments, decides against the in-memory state, emits
// its journal events (applied at once) and resolves when they are durable. It also serves
// parked group reads (group_waiters.ts: first parked, first served) when records are
// revealed, entries are nacked or released, or deadlines pass (expiry_timer.ts: one timer).

import { assert } from '../assert.ts';
import { checkBudget, checkInt, checkIntOr } from '../args.ts';
import { utf8 } from '../codec/bytes.ts';
import { NotFoundError } from '../errors.ts';
import type { Clock } from '../io/clock.ts';
import {
  groupAckTimeoutMsDefault, groupAckTimeoutMsMax, groupClaimCountDefault, groupClaimCountMax,
  groupMaxDeliverDefault, groupMaxDeliverMax, groupPendingListMax,
  groupReadCountDefault, groupReadCountMax, streamIdListMax, waitMsMax,
} from '../limits.ts';
import type { ConsumerGroup } from './consumer_group.ts';
import { ExpiryTimer } from './expiry_timer.ts';
import {
  BudgetCounter, groupReadNow, type GroupReadResult, type GroupTarget,
} from './group_reader.ts';
import { Parked } from './parked.ts';
import { GroupWaiters, type GroupWaiter } from './group_waiters.ts';
import { planClaim } from './group_claim.ts';
import type { PendingEntry } from './pending_list.ts';
import { EventKind, type StreamEvent } from './stream_events.ts';
import type { StreamHandle } from './stream_handle.ts';
import { checkStreamId, compareRecordToId, type StreamId } from './stream_id.ts';
import {
  checkConsumerName, checkGroupName, checkNamespace, checkStreamName,
} from './stream_names.ts';
import { fetchPending, toStreamRecord, undelivered } from './stream_reads.ts';
import type {
  ClaimOptions, ClaimResult, DeadLetterPage, GroupGauge, GroupInfo, GroupOptions,
  GroupReadOptions,
  GroupRecord, PendingInfo,
} from './stream_types.ts';
import { oldestAtOrAfter } from './trim_planner.ts';

/** What StreamGroups needs from its store. */
export interface GroupsContext {
  clock: Clock;
  existing(namespace: string, name: string): StreamHandle | undefined;
  obtain(namespace: string, name: string): StreamHandle | Promise<StreamHandle>;
  matching(namespace: string, prefix: string): StreamHandle[];
  checkOpen(): void;
}

const NO_ENTRY: StreamId = Object.freeze({ timestampMs: 0, sequence: 0 });

export class StreamGroups {
  private readonly context: GroupsContext;
  private readonly expiry: ExpiryTimer;
  private readonly parked = new GroupWaiters();
  private readonly nameBytes = new WeakMap<StreamHandle, Uint8Array>();

  constructor(context: GroupsContext) {
    this.context = context;
    this.expiry = new ExpiryTimer(context.clock, (handle, group) => this.expired(handle, group));
  }

  /**
   * Creates a group (and the stream) or, when it exists, replaces the given settings; the
   * position of an existing group never changes.
   * @throws TypeError, RangeError
   */
  async create(namespace: string, stream: string, group: string, options: GroupOptions = {}) {
    const { ns, name } = this.checkStream(namespace, stream);
    const groupName = checkGroupName(group);
    checkGroupOptions(options);
    const handle = await this.context.obtain(ns, name);
    if (options.start !== undefined) await handle.settled();
    const existing = handle.journal.group(groupName);
    if (existing === undefined) {
      this.ensureGroup(handle, groupName, options);
    } else if (options.ackTimeoutMs !== undefined || options.maxDeliver !== undefined) {
      this.emit(handle, existing, [{ kind: EventKind.groupConfig, group: groupName,
        ackTimeoutMs: options.ackTimeoutMs ?? existing.ackTimeoutMs,
        maxDeliver: options.maxDeliver ?? existing.maxDeliver }]);
    }
    await handle.journal.settled();
  }

  /** Registers a consumer, creating the stream and group (with `options`) if needed. */
  async join(
    namespace: string,
    stream: string,
    group: string,
    consumer: string,
    options: GroupOptions = {},
  ): Promise<void> {
    const { ns, name } = this.checkStream(namespace, stream);
    const groupName = checkGroupName(group);
    const consumerName = checkConsumerName(consumer);
    checkGroupOptions(options);
    const handle = await this.context.obtain(ns, name);
    if (options.start !== undefined) await handle.settled();
    const state = this.ensureGroup(handle, groupName, options);
    await this.emit(handle, state, [{ kind: EventKind.join, group: groupName,
      consumer: consumerName, nowMs: this.context.clock.nowMs() }]);
  }

  /** Removes a consumer; its pending entries become redeliverable at once. */
  async leave(namespace: string, stream: string, group: string, consumer: string) {
    const { handle, state } = this.require(namespace, stream, group);
    const consumerName = checkConsumerName(consumer);
    if (!state.consumers.has(consumerName)) return;
    const durable = this.emit(handle, state, [{ kind: EventKind.leave, group: state.name,
      consumer: consumerName, nowMs: this.context.clock.nowMs() }]);
    this.serve(handle, state.name);
    await durable;
  }

  /**
   * Delivers up to `count` records to `consumer`: redeliverable entries first (StreamID
   * order), then new records. Creates the stream, group and consumer if needed. A stream
   * name ending in `*` reads every stream of the namespace with that prefix.
   * @throws TypeError, RangeError
   */
  async read(
    namespace: string,
    stream: string,
    group: string,
    consumer: string,
    options: GroupReadOptions = {},
  ): Promise<GroupRecord[]> {
    const { ns, name } = this.checkStream(namespace, stream);
    const waiter = {
      namespace: ns, group: checkGroupName(group), consumer: checkConsumerName(consumer),
      count: Math.min(groupReadCountMax,
        checkIntOr(options.count, 'count', 0, Number.MAX_SAFE_INTEGER, 0) ||
        groupReadCountDefault),
      noAck: options.noAck === true, create: options.create ?? {},
      pattern: name.endsWith('*'), stream: name.endsWith('*') ? name.slice(0, -1) : name,
      budget: checkBudget(options.budget),
    };
    checkGroupOptions(waiter.create);
    const blockMs = checkIntOr(options.blockMs, 'blockMs', 0, waitMsMax, 0);
    if (!waiter.pattern) {
      const obtained = this.context.obtain(ns, name);
      const handle = obtained instanceof Promise ? await obtained : obtained;
      if (handle.appending) await handle.settled();
      // Readers parked earlier come first (an expiry this read would see may not have
      // reached them through the timer yet).
      if (handle.journal.group(waiter.group) !== undefined) this.serve(handle, waiter.group);
    }
    this.context.checkOpen();
    const result = this.attempt(waiter);
    if (result !== null && result.records.length > 0) {
      await result.durable;
      return result.records;
    }
    if (blockMs === 0 || options.signal?.aborted === true || options.onPark?.() === false) {
      await result?.durable;
      return [];
    }
    const parked = new Parked<GroupRecord[]>(this.context.clock, blockMs, options.signal, [],
      () => this.parked.drop(waiter));
    this.parked.add({ ...waiter, parked });
    return parked.promise;
  }

  /** Acknowledges pending entries (matched by sequence); returns how many were pending. */
  async ack(
    namespace: string,
    stream: string,
    group: string,
    sequences: readonly number[],
    consumer = '',
  ): Promise<number> {
    const change = this.changePending(EventKind.ack, namespace, stream, group, sequences,
      consumer, 0);
    await change.durable;
    return change.count;
  }

  /** Makes pending entries redeliverable (to any consumer) after `delayMs`. */
  async nack(
    namespace: string,
    stream: string,
    group: string,
    sequences: readonly number[],
    options: { delayMs?: number; consumer?: string } = {},
  ): Promise<number> {
    const delayMs = checkIntOr(options.delayMs, 'delayMs', 0, groupAckTimeoutMsMax, 0);
    const change = this.changePending(EventKind.nack, namespace, stream, group, sequences,
      options.consumer ?? '', delayMs);
    if (delayMs === 0 && change.count > 0) this.serve(change.handle, change.group);
    await change.durable;
    return change.count;
  }

  /** Extends the ack deadline of held entries to now + extendMs (0: the ack timeout). */
  async touch(
    namespace: string,
    stream: string,
    group: string,
    sequences: readonly number[],
    options: { extendMs?: number; consumer?: string } = {},
  ): Promise<number> {
    const extendMs = checkIntOr(options.extendMs, 'extendMs', 0, groupAckTimeoutMsMax, 0);
    const change = this.changePending(EventKind.touch, namespace, stream, group, sequences,
      options.consumer ?? '', extendMs);
    await change.durable;
    return change.count;
  }

  /** The oldest pending entries (at most 1 000), of one consumer or of all. */
  async pending(
    namespace: string,
    stream: string,
    group: string,
    options: { consumer?: string; limit?: number } = {},
  ): Promise<PendingInfo[]> {
    const { handle, state } = this.require(namespace, stream, group);
    const consumer = checkConsumerName(options.consumer ?? '', true);
    const limit = Math.min(groupPendingListMax,
      checkIntOr(options.limit, 'limit', 0, Number.MAX_SAFE_INTEGER, 0) || groupPendingListMax);
    await handle.journal.settled();
    const out: PendingInfo[] = [];
    state.pel.scan(() => false, (entry) => {
      if (consumer === '' || entry.consumer === consumer) out.push(pendingInfo(entry));
      return out.length < limit;
    });
    return out;
  }

  /**
   * Takes over pending entries from `start` on: with minIdleMs 0 the caller's own, otherwise
   * any consumer's idle for at least minIdleMs. Entries at max_deliver are dead-lettered,
   * entries whose record is gone are dropped. `next` resumes the scan (null at the end).
   */
  async claim(
    namespace: string,
    stream: string,
    group: string,
    consumer: string,
    options: ClaimOptions = {},
  ): Promise<ClaimResult> {
    const { handle, state } = this.require(namespace, stream, group);
    const consumerName = checkConsumerName(consumer);
    const minIdleMs = checkIntOr(options.minIdleMs, 'minIdleMs', 0, Number.MAX_SAFE_INTEGER, 0);
    const start = options.start === undefined ? NO_ENTRY : checkStreamId(options.start, 'start');
    const count = Math.min(groupClaimCountMax,
      checkIntOr(options.count, 'count', 0, Number.MAX_SAFE_INTEGER, 0) ||
      groupClaimCountDefault);
    const nowMs = this.context.clock.nowMs();
    // Entries that became due at max_deliver leave before the scan (not as its `next`).
    const due = state.promote(nowMs);
    if (due.length > 0) {
      void this.emit(handle, state, [{ kind: EventKind.deadLetter, group: state.name, nowMs,
        sequences: due }]).catch(() => undefined); // the claim's own events carry failures
    }
    const planned = planClaim(state, consumerName, minIdleMs, start, count, nowMs);
    const { picked, dead } = planned;
    const records = fetchPending(handle, picked);
    const dropped: PendingEntry[] = [];
    const claimed: PendingEntry[] = [];
    const out: GroupRecord[] = [];
    const budget = new BudgetCounter(checkBudget(options.budget));
    let next = planned.next;
    for (const [index, entry] of picked.entries()) {
      const record = records[index];
      if (record === null || record === undefined) {
        dropped.push(entry);
        continue;
      }
      const claimedRecord = { ...toStreamRecord(handle.name, record),
        deliveryCount: entry.deliveryCount + 1 };
      if (!budget.admits(claimedRecord)) {
        next = { timestampMs: entry.timestampMs, sequence: entry.sequence };
        break;
      }
      claimed.push(entry);
      out.push(claimedRecord);
    }
    const events: StreamEvent[] = [];
    if (dead.length > 0) events.push({ kind: EventKind.deadLetter, group: state.name, nowMs,
      sequences: dead });
    if (dropped.length > 0) events.push({ kind: EventKind.drop, group: state.name,
      sequences: dropped.map((entry) => entry.sequence) });
    if (claimed.length > 0) events.push({ kind: EventKind.deliver, group: state.name,
      consumer: consumerName, nowMs, noAck: false,
      redelivered: claimed.map((entry) => entry.sequence), fresh: [] });
    if (events.length > 0) await this.emit(handle, state, events);
    if (claimed.length === 0) state.applySeen(consumerName, nowMs);
    return { records: out, next };
  }

  /**
   * The group's dead letters from `start` on (ascending; default 100, at most 1 000): records
   * delivered max_deliver times without an ack. They stay until deleted or trimmed.
   */
  async deadLetters(
    namespace: string,
    stream: string,
    group: string,
    options: { start?: StreamId; limit?: number } = {},
  ): Promise<DeadLetterPage> {
    const { handle, state } = this.require(namespace, stream, group);
    const start = options.start === undefined ? NO_ENTRY : checkStreamId(options.start, 'start');
    const limit = Math.min(groupPendingListMax,
      checkIntOr(options.limit, 'limit', 0, Number.MAX_SAFE_INTEGER, 0) || 100);
    await handle.journal.settled();
    const list = state.deadLetters;
    let index = start.timestampMs === 0 ? state.deadLetterIndex(start.sequence)
      : list.findIndex((dead) => compareRecordToId(dead.timestampMs, dead.sequence, start) >= 0);
    if (index < 0) index = list.length;
    const entries = list.slice(index, index + limit).map((dead) => ({
      id: { timestampMs: dead.timestampMs, sequence: dead.sequence }, partition: dead.partition,
      consumer: dead.consumer, deliveryCount: dead.deliveryCount,
      deadLetteredMs: dead.deadLetteredMs,
    }));
    const after = list[index + limit];
    const next = after === undefined ? null
      : { timestampMs: after.timestampMs, sequence: after.sequence };
    return { entries, next };
  }

  /** Forgets dead letters (matched by sequence); the dead-letter counter stays. */
  async deleteDeadLetters(
    namespace: string,
    stream: string,
    group: string,
    sequences: readonly number[],
  ): Promise<number> {
    const { handle, state } = this.require(namespace, stream, group);
    checkSequenceList(sequences);
    const present = [...new Set(sequences)].filter((sequence) =>
      state.deadLetters[state.deadLetterIndex(sequence)]?.sequence === sequence);
    if (present.length === 0) return 0;
    await this.emit(handle, state, [{ kind: EventKind.deadLetterDelete, group: state.name,
      sequences: present }]);
    return present.length;
  }

  /** Updates ack timeout and/or max deliver of an existing group. */
  async configure(
    namespace: string,
    stream: string,
    group: string,
    options: { ackTimeoutMs?: number; maxDeliver?: number },
  ): Promise<void> {
    const { handle, state } = this.require(namespace, stream, group);
    checkGroupOptions(options);
    await this.emit(handle, state, [{ kind: EventKind.groupConfig, group: state.name,
      ackTimeoutMs: options.ackTimeoutMs ?? state.ackTimeoutMs,
      maxDeliver: options.maxDeliver ?? state.maxDeliver }]);
  }

  /** Cursor, counters, settings, consumers and lag of a group. */
  async info(namespace: string, stream: string, group: string): Promise<GroupInfo> {
    const { handle, state } = this.require(namespace, stream, group);
    await handle.journal.settled();
    const nowMs = this.context.clock.nowMs();
    const oldest = state.pel.first();
    return {
      name: state.name,
      cursor: { timestampMs: state.cursorTimestampMs, sequence: state.cursorSequence },
      pending: state.pel.size,
      deadLettered: state.deadLettered,
      ackTimeoutMs: state.ackTimeoutMs,
      maxDeliver: state.maxDeliver,
      consumers: [...state.consumers.values()].map((consumer) => ({
        name: consumer.name, pending: state.pendingOf(consumer.name),
        idleMs: Math.max(0, nowMs - consumer.lastSeenMs),
      })),
      lag: undelivered(handle, state) + state.pel.size,
      oldestPendingAgeMs: oldest === undefined ? 0 : Math.max(0, nowMs - oldest.timestampMs),
    };
  }

  /** The backlog of each group of `handle`, as applied now (metrics; synchronous). */
  gauges(handle: StreamHandle): GroupGauge[] {
    if (handle.closed || handle.failure !== null) return [];
    return [...handle.journal.groups.values()].map((state) => ({
      namespace: handle.namespace, stream: handle.name, group: state.name,
      lag: undelivered(handle, state) + state.pel.size, pending: state.pel.size,
    }));
  }

  /** Deletes a group; its parked reads get empty results. */
  async delete(namespace: string, stream: string, group: string): Promise<void> {
    const { handle, state } = this.require(namespace, stream, group);
    this.parked.expireGroup(handle, state.name);
    await handle.journal.emit([{ kind: EventKind.groupDelete, group: state.name }]);
  }

  /** The groups of a stream, sorted by name. @throws NotFoundError */
  list(namespace: string, stream: string): string[] {
    const { ns, name } = this.checkStream(namespace, stream);
    const handle = this.context.existing(ns, name);
    if (handle === undefined) throw new NotFoundError(`stream "${name}" not found`);
    return [...handle.journal.groups.keys()].sort();
  }

  // ---- hooks for the store ----

  /** A stream was opened: arm the timer for its groups' deadlines. */
  adopt(handle: StreamHandle): void {
    this.nameBytes.set(handle, utf8(handle.name));
    for (const group of handle.journal.groups.values()) this.expiry.note(handle, group);
  }

  /** A stream is going away: its groups' parked reads get empty results. */
  forget(handle: StreamHandle): void {
    this.parked.forget(handle);
  }

  /** Records were revealed on `handle`: serve the group reads they may satisfy. */
  revealed(handle: StreamHandle): void {
    for (const name of this.parked.groupsToServe(handle)) this.serve(handle, name);
  }

  dropNamespace(namespace: string): void {
    this.parked.dropNamespace(namespace);
  }

  close(): void {
    this.expiry.stop();
    this.parked.close();
  }

  // ---- internals ----

  // Serves parked reads that could take from `handle`'s group `name`, first parked first,
  // until one finds nothing (then none after it would either).
  private serve(handle: StreamHandle, name: string): void {
    for (const waiter of this.parked.candidates(handle, name)) {
      let result: GroupReadResult | null;
      try {
        result = this.attempt(waiter);
      } catch (error) {
        waiter.parked.finish(Promise.reject(error)); // e.g. a damaged batch: the reader sees it
        continue;
      }
      if (result === null || result.records.length === 0) break;
      const records = result.records;
      waiter.parked.finish(result.durable.then(() => records));
    }
    this.parked.prune(handle, name);
  }

  // One try at a (possibly parked) read: decides and emits now; null when no stream matches.
  private attempt(waiter: Omit<GroupWaiter, 'parked'>): GroupReadResult | null {
    const handles = waiter.pattern
      ? this.context.matching(waiter.namespace, waiter.stream)
      : [this.context.existing(waiter.namespace, waiter.stream)].filter((h) => h !== undefined);
    const targets: GroupTarget[] = [];
    for (const handle of handles) {
      if (handle.failure !== null || handle.closed) continue;
      const group = this.ensureGroup(handle, waiter.group, waiter.create);
      targets.push({ handle, group, nameBytes: this.nameBytes.get(handle) ?? utf8(handle.name) });
    }
    if (targets.length === 0) return null;
    const result = groupReadNow(targets, waiter, this.context.clock.nowMs());
    for (const target of result.changed) this.expiry.note(target.handle, target.group);
    result.durable.catch(() => undefined); // the caller awaits it; failures also fail the stream
    return result;
  }

  // The group, created (an event) with `options` when missing.
  private ensureGroup(handle: StreamHandle, name: string, options: GroupOptions) {
    const existing = handle.journal.group(name);
    if (existing !== undefined) return existing;
    const cursor = startCursor(handle, options);
    void handle.journal.emit([{ kind: EventKind.groupCreate, group: name,
      ackTimeoutMs: options.ackTimeoutMs ?? groupAckTimeoutMsDefault,
      maxDeliver: options.maxDeliver ?? groupMaxDeliverDefault,
      cursorSequence: cursor.sequence, cursorTimestampMs: cursor.timestampMs }])
      .catch(() => undefined); // later events of the group carry the failure to callers
    const group = handle.journal.group(name);
    assert(group !== undefined, 'the group exists once its create event is applied');
    return group;
  }

  private emit(
    handle: StreamHandle,
    group: ConsumerGroup,
    events: readonly StreamEvent[],
  ): Promise<void> {
    handle.checkUsable();
    const durable = handle.journal.emit(events);
    this.expiry.note(handle, group);
    return durable;
  }

  // Ack, nack or touch: an event listing the entries that are pending (none: no event).
  private changePending(
    kind: typeof EventKind.ack | typeof EventKind.nack | typeof EventKind.touch,
    namespace: string,
    stream: string,
    group: string,
    sequences: readonly number[],
    consumer: string,
    durationMs: number,
  ) {
    const { handle, state } = this.require(namespace, stream, group);
    const consumerName = checkConsumerName(consumer, true);
    const present = pendingOf(state, sequences);
    const nowMs = this.context.clock.nowMs();
    const base = { group: state.name, consumer: consumerName, nowMs, sequences: present };
    let durable = Promise.resolve();
    if (present.length === 0) state.applySeen(consumerName, nowMs);
    else if (kind === EventKind.ack) durable = this.emit(handle, state, [{ kind, ...base }]);
    else durable = this.emit(handle, state, [{ kind, ...base, durationMs }]);
    return { handle, group: state.name, count: present.length, durable };
  }

  // The expiry timer found due entries: dead-letter those at max_deliver, serve readers.
  private expired(handle: StreamHandle, group: ConsumerGroup): void {
    if (handle.failure !== null) return;
    const nowMs = this.context.clock.nowMs();
    const dead = group.promote(nowMs);
    try {
      if (dead.length > 0) {
        handle.journal.emit([{ kind: EventKind.deadLetter, group: group.name, nowMs,
          sequences: dead }]).catch((error: unknown) => handle.fail(error));
      }
    } catch (error) {
      handle.fail(error); // runs on a timer: there is no caller to throw to
      return;
    }
    if (group.hasReady()) this.serve(handle, group.name);
  }

  private checkStream(namespace: string, stream: string) {
    this.context.checkOpen();
    return { ns: checkNamespace(namespace), name: checkStreamName(stream) };
  }

  private require(namespace: string, stream: string, group: string) {
    const { ns, name } = this.checkStream(namespace, stream);
    const groupName = checkGroupName(group);
    const handle = this.context.existing(ns, name);
    if (handle === undefined) throw new NotFoundError(`stream "${name}" not found`);
    const state = handle.journal.group(groupName);
    if (state === undefined) throw new NotFoundError(`group "${groupName}" not found`);
    handle.checkUsable();
    return { handle, state };
  }
}

// Where a new group starts: after the last record (tail), before the first record at or
// after `start`, or before every retained record.
function startCursor(handle: StreamHandle, options: GroupOptions): StreamId {
  if (options.tail === true) {
    return handle.nextSequence === 1 ? NO_ENTRY
      : { timestampMs: handle.lastTimestampMs, sequence: handle.nextSequence - 1 };
  }
  const start = options.start;
  if (start === undefined) return NO_ENTRY;
  const first = oldestAtOrAfter(handle.partitions, (partition) => partition.seekId(start));
  if (first !== null) return { timestampMs: 0, sequence: first.sequence - 1 };
  const sequence = start.timestampMs === 0 ? Math.max(0, start.sequence - 1)
    : handle.revealedSequence;
  return { timestampMs: 0, sequence };
}

function checkGroupOptions(options: GroupOptions): void {
  checkIntOr(options.ackTimeoutMs, 'ackTimeoutMs', 1, groupAckTimeoutMsMax, 0);
  checkIntOr(options.maxDeliver, 'maxDeliver', 0, groupMaxDeliverMax, 0);
  if (options.start !== undefined) checkStreamId(options.start, 'start');
}

// The distinct sequences of `sequences` that are pending.
function checkSequenceList(sequences: readonly number[]): void {
  if (!Array.isArray(sequences)) throw new TypeError('sequences must be an array');
  if (sequences.length > streamIdListMax) {
    throw new RangeError(`${sequences.length} ids; the limit is ${streamIdListMax}`);
  }
  for (const sequence of sequences) checkInt(sequence, 'sequence', 0, Number.MAX_SAFE_INTEGER);
}

function pendingOf(group: ConsumerGroup, sequences: readonly number[]): number[] {
  checkSequenceList(sequences);
  const present: number[] = [];
  // Ids usually come ascending (as delivered): duplicates need a set only otherwise.
  let seen: Set<number> | null = null;
  let previous = -1;
  for (const sequence of sequences) {
    if (seen === null && sequence <= previous) seen = new Set(present);
    previous = sequence;
    if (seen !== null) {
      if (seen.has(sequence)) continue;
      seen.add(sequence);
    }
    if (group.pel.get(sequence) !== undefined) present.push(sequence);
  }
  return present;
}

function pendingInfo(entry: PendingEntry): PendingInfo {
  return {
    id: { timestampMs: entry.timestampMs, sequence: entry.sequence },
    partition: entry.partition, consumer: entry.consumer, deliveryCount: entry.deliveryCount,
    lastDeliveryMs: entry.lastDeliveryMs, dueMs: entry.dueMs, released: entry.released,
  };
}
