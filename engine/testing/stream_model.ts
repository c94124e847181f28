// The in-memory reference model of streams and consumer groups (spec §7.4, §7.5), written
// as plainly as possible — arrays and linear scans, no heaps, no logs — for the model-based
// test (engine/stream/stream_model.test.ts) to compare the real StreamStore against. Time is
// passed in (a ManualClock drives both); expire(now) is what the store's expiry timer does.

export interface ModelRecord {
  sequence: number;
  timestampMs: number;
  partition: number;
  payload: string;
  batchStart: number;
}

interface ModelEntry {
  sequence: number;
  consumer: string;
  deliveryCount: number;
  lastDeliveryMs: number;
  dueMs: number;
  released: boolean;
}

export interface ModelGroup {
  ackTimeoutMs: number;
  maxDeliver: number;
  cursor: number;
  consumers: Set<string>;
  pel: ModelEntry[];
  deadLettered: number;
  /** Dead-lettered sequences still in the stream, ascending. */
  deadLetters: number[];
}

export interface ModelStream {
  partitionCount: number;
  records: ModelRecord[];
  nextSequence: number;
  lastTimestampMs: number;
  roundRobin: number;
  groups: Map<string, ModelGroup>;
}

export interface ModelId {
  timestampMs: number;
  sequence: number;
}

export function idCompare(record: ModelRecord, id: ModelId): number {
  if (id.timestampMs === 0 || record.timestampMs === id.timestampMs) {
    return record.sequence - id.sequence;
  }
  return record.timestampMs - id.timestampMs;
}

export class StreamModel {
  readonly streams = new Map<string, ModelStream>();

  stream(name: string, partitionCount = 1): ModelStream {
    let stream = this.streams.get(name);
    if (stream === undefined) {
      stream = { partitionCount, records: [], nextSequence: 1, lastTimestampMs: 0,
        roundRobin: 0, groups: new Map() };
      this.streams.set(name, stream);
    }
    return stream;
  }

  append(name: string, payloads: string[], partition: number | undefined, nowMs: number) {
    const stream = this.stream(name);
    let target = partition;
    if (target === undefined) {
      target = stream.roundRobin;
      stream.roundRobin = (stream.roundRobin + 1) % stream.partitionCount;
    }
    const timestampMs = Math.max(stream.lastTimestampMs, nowMs);
    stream.lastTimestampMs = timestampMs;
    const batchStart = stream.nextSequence;
    for (const payload of payloads) {
      stream.records.push({ sequence: stream.nextSequence++, timestampMs, partition: target,
        payload, batchStart });
    }
    return { sequence: batchStart, timestampMs, partition: target, count: payloads.length };
  }

  read(name: string, start: ModelId | undefined, end: ModelId | undefined,
    partition: number | undefined, count: number): ModelRecord[] {
    const records = this.streams.get(name)?.records ?? [];
    return records.filter((record) =>
      (start === undefined || idCompare(record, start) >= 0) &&
      (end === undefined || idCompare(record, end) <= 0) &&
      (partition === undefined || record.partition === partition)).slice(0, count);
  }

  /** Record-level selection, then whole batches only; returns removed and first_seq. */
  trim(name: string, criteria: { before?: ModelId; maxRecords?: number; maxAgeMs?: number;
    maxBytes?: number }, nowMs: number, dryRun: boolean) {
    const stream = this.stream(name);
    const records = stream.records;
    const selected = records.map((record, index) =>
      (criteria.before !== undefined && idCompare(record, criteria.before) < 0) ||
      (criteria.maxAgeMs !== undefined && nowMs - criteria.maxAgeMs > 0 &&
        record.timestampMs < nowMs - criteria.maxAgeMs) ||
      (criteria.maxRecords !== undefined && index < records.length - criteria.maxRecords));
    if (criteria.maxBytes !== undefined) {
      let remaining = records.reduce((sum, record) => sum + record.payload.length, 0);
      for (let i = 0; i < records.length && remaining > criteria.maxBytes; i++) {
        selected[i] = true;
        remaining -= records[i]!.payload.length;
      }
    }
    const lastOfBatch = new Map<number, number>();
    records.forEach((record, index) => lastOfBatch.set(record.batchStart, index));
    const removed = records.filter((record) => selected[lastOfBatch.get(record.batchStart)!]);
    const kept = records.filter((record) => !selected[lastOfBatch.get(record.batchStart)!]);
    if (!dryRun) {
      stream.records = kept;
      const threshold = kept[0]?.sequence ?? stream.nextSequence;
      for (const group of stream.groups.values()) {
        group.pel = group.pel.filter((entry) => entry.sequence >= threshold);
        group.deadLetters = group.deadLetters.filter((sequence) => sequence >= threshold);
      }
    }
    return { removed: removed.length, firstSequence: kept[0]?.sequence ?? 0 };
  }

  group(name: string, group: string, create = true): ModelGroup | undefined {
    const stream = this.stream(name);
    let state = stream.groups.get(group);
    if (state === undefined && create) {
      state = { ackTimeoutMs: 30_000, maxDeliver: 10, cursor: 0, consumers: new Set(), pel: [],
        deadLettered: 0, deadLetters: [] };
      stream.groups.set(group, state);
    }
    return state;
  }

  /** Dead-letters entries that are due and at max_deliver (the store's expiry timer). */
  expire(nowMs: number): void {
    for (const stream of this.streams.values()) {
      for (const group of stream.groups.values()) expireGroup(group, nowMs);
    }
  }

  groupRead(name: string, groupName: string, consumer: string, count: number, noAck: boolean,
    nowMs: number): Array<{ record: ModelRecord; deliveryCount: number }> {
    const stream = this.stream(name);
    const group = this.group(name, groupName)!;
    expireGroup(group, nowMs);
    group.consumers.add(consumer);
    const out: Array<{ record: ModelRecord; deliveryCount: number }> = [];
    for (const entry of group.pel.filter((e) => e.dueMs <= nowMs).slice(0, count)) {
      const record = stream.records.find((r) => r.sequence === entry.sequence)!;
      out.push({ record, deliveryCount: entry.deliveryCount + 1 });
      if (noAck) group.pel = group.pel.filter((e) => e !== entry);
      else assign(group, entry, consumer, nowMs);
    }
    const fresh = stream.records.filter((record) => record.sequence > group.cursor);
    for (const record of fresh.slice(0, count - out.length)) {
      out.push({ record, deliveryCount: 1 });
      group.cursor = record.sequence;
      if (!noAck) {
        group.pel.push({ sequence: record.sequence, consumer, deliveryCount: 1,
          lastDeliveryMs: nowMs, dueMs: nowMs + group.ackTimeoutMs, released: false });
      }
    }
    return out;
  }

  ack(name: string, group: string, sequences: number[]): number {
    const state = this.group(name, group, false)!;
    const before = state.pel.length;
    state.pel = state.pel.filter((entry) => !sequences.includes(entry.sequence));
    return before - state.pel.length;
  }

  nack(name: string, group: string, sequences: number[], delayMs: number, nowMs: number) {
    let count = 0;
    for (const entry of this.group(name, group, false)!.pel) {
      if (!sequences.includes(entry.sequence)) continue;
      entry.released = true;
      entry.dueMs = nowMs + delayMs;
      count += 1;
    }
    return count;
  }

  touch(name: string, group: string, sequences: number[], extendMs: number, nowMs: number) {
    const state = this.group(name, group, false)!;
    let count = 0;
    for (const entry of state.pel) {
      if (!sequences.includes(entry.sequence)) continue;
      count += 1;
      if (!entry.released) entry.dueMs = nowMs + (extendMs || state.ackTimeoutMs);
    }
    return count;
  }

  leave(name: string, group: string, consumer: string, nowMs: number): void {
    const state = this.group(name, group, false)!;
    if (!state.consumers.delete(consumer)) return;
    for (const entry of state.pel) {
      if (entry.consumer === consumer && !entry.released) {
        entry.released = true;
        entry.dueMs = nowMs;
      }
    }
  }

  claim(name: string, groupName: string, consumer: string, minIdleMs: number, start: number,
    count: number, nowMs: number) {
    const stream = this.stream(name);
    const group = this.group(name, groupName, false)!;
    expireGroup(group, nowMs);
    const picked: ModelEntry[] = [];
    const dead: ModelEntry[] = [];
    let next: number | null = null;
    for (const entry of group.pel.filter((e) => e.sequence >= start)) {
      if (picked.length >= count) {
        next = entry.sequence;
        break;
      }
      const eligible = minIdleMs === 0 ? entry.consumer === consumer && !entry.released
        : nowMs - entry.lastDeliveryMs >= minIdleMs;
      if (!eligible) continue;
      if (atMax(group, entry)) dead.push(entry);
      else picked.push(entry);
    }
    buryEntries(group, dead);
    if (picked.length > 0) group.consumers.add(consumer);
    const records = picked.map((entry) => ({
      record: stream.records.find((r) => r.sequence === entry.sequence)!,
      deliveryCount: entry.deliveryCount + 1,
    }));
    for (const entry of picked) assign(group, entry, consumer, nowMs);
    return { records, next };
  }

  /** Records not yet delivered plus pending ones. */
  lag(name: string, groupName: string): number {
    const stream = this.stream(name);
    const group = this.group(name, groupName, false)!;
    return stream.records.filter((r) => r.sequence > group.cursor).length + group.pel.length;
  }
}

// A read or claim of a group promotes its due entries at once, dead-lettering those at
// max_deliver; other groups do so when the store's expiry timer fires.
function expireGroup(group: ModelGroup, nowMs: number): void {
  buryEntries(group, group.pel.filter((entry) => entry.dueMs <= nowMs && atMax(group, entry)));
}

function buryEntries(group: ModelGroup, dead: ModelEntry[]): void {
  group.pel = group.pel.filter((entry) => !dead.includes(entry));
  group.deadLettered += dead.length;
  group.deadLetters.push(...dead.map((entry) => entry.sequence));
  group.deadLetters.sort((a, b) => a - b);
}

function atMax(group: ModelGroup, entry: ModelEntry): boolean {
  return group.maxDeliver !== 0 && entry.deliveryCount >= group.maxDeliver;
}

function assign(group: ModelGroup, entry: ModelEntry, consumer: string, nowMs: number): void {
  entry.consumer = consumer;
  entry.deliveryCount += 1;
  entry.lastDeliveryMs = nowMs;
  entry.dueMs = nowMs + group.ackTimeoutMs;
  entry.released = false;
}
