// The parked group reads of a store (spec §3.3): reads of one group of one stream, and
// pattern reads (`prefix*`) of a namespace, which may take from any matching stream,
// including streams created after they parked. Competing readers of one group are served
// first parked, first served: concrete and pattern readers share one order (park ids).
// Finished waiters are dropped lazily. StreamGroups decides what each waiter gets.

import type { Parked } from './parked.ts';
import type { StreamHandle } from './stream_handle.ts';
import type { GroupOptions, GroupRecord, RecordBudget } from './stream_types.ts';

export interface GroupWaiter {
  parked: Parked<GroupRecord[]>;
  namespace: string;
  group: string;
  consumer: string;
  count: number;
  noAck: boolean;
  budget: RecordBudget | null;
  create: GroupOptions;
  /** The stream name, or for a pattern read (`prefix*`) the prefix. */
  stream: string;
  pattern: boolean;
}

export class GroupWaiters {
  /** Parked reads of one group of one stream, by groupKey(). */
  private readonly concrete = new Map<string, GroupWaiter[]>();
  /** Parked pattern reads, by namespace. */
  private readonly patterns = new Map<string, GroupWaiter[]>();

  add(waiter: GroupWaiter): void {
    if (waiter.parked.done) return;
    const { registry, key } = this.place(waiter);
    const list = registry.get(key) ?? [];
    list.push(waiter);
    registry.set(key, list);
  }

  /** Drops finished waiters where `waiter` was registered (after its timeout or abort). */
  drop(waiter: Omit<GroupWaiter, 'parked'>): void {
    const { registry, key } = this.place(waiter);
    prune(registry, key);
  }

  /** Waiters that could take from `handle`'s group `name`, in park order. */
  candidates(handle: StreamHandle, name: string): GroupWaiter[] {
    return [
      ...(this.concrete.get(groupKey(handle.namespace, handle.name, name)) ?? []),
      ...(this.patterns.get(handle.namespace) ?? []).filter((waiter) =>
        waiter.group === name && handle.name.startsWith(waiter.stream)),
    ].filter((waiter) => !waiter.parked.done).sort((a, b) => a.parked.id - b.parked.id);
  }

  /** The groups of `handle` (existing or to be created) that parked reads wait on. */
  groupsToServe(handle: StreamHandle): Set<string> {
    const names = new Set<string>();
    if (this.concrete.size === 0 && this.patterns.size === 0) return names;
    for (const group of handle.journal.groups.keys()) {
      if (this.concrete.has(groupKey(handle.namespace, handle.name, group))) names.add(group);
    }
    for (const waiter of this.patterns.get(handle.namespace) ?? []) {
      if (!waiter.parked.done && handle.name.startsWith(waiter.stream)) names.add(waiter.group);
    }
    return names;
  }

  /** Drops finished waiters of `handle`'s group `name` and of its namespace's patterns. */
  prune(handle: StreamHandle, name: string): void {
    prune(this.concrete, groupKey(handle.namespace, handle.name, name));
    prune(this.patterns, handle.namespace);
  }

  /** The group is deleted: its parked reads get empty results. */
  expireGroup(handle: StreamHandle, name: string): void {
    const key = groupKey(handle.namespace, handle.name, name);
    for (const waiter of this.concrete.get(key) ?? []) waiter.parked.expire();
    this.concrete.delete(key);
  }

  /** The stream is going away: its groups' parked reads get empty results. */
  forget(handle: StreamHandle): void {
    for (const group of handle.journal.groups.keys()) this.expireGroup(handle, group);
  }

  dropNamespace(namespace: string): void {
    for (const waiter of this.patterns.get(namespace) ?? []) waiter.parked.expire();
    this.patterns.delete(namespace);
  }

  close(): void {
    for (const registry of [this.concrete, this.patterns]) {
      for (const list of registry.values()) for (const waiter of list) waiter.parked.expire();
      registry.clear();
    }
  }
  // Where a waiter is registered: by namespace (patterns) or by stream and group.
  private place(waiter: Omit<GroupWaiter, 'parked'>) {
    return waiter.pattern
      ? { registry: this.patterns, key: waiter.namespace }
      : { registry: this.concrete, key: groupKey(waiter.namespace, waiter.stream, waiter.group) };
  }
}

function groupKey(namespace: string, stream: string, group: string): string {
  return `${namespace}\u0000${stream}\u0000${group}`;
}

function prune(registry: Map<string, GroupWaiter[]>, key: string): void {
  const list = registry.get(key);
  if (list === undefined) return;
  const live = list.filter((waiter) => !waiter.parked.done);
  if (live.length > 0) registry.set(key, live);
  else registry.delete(key);
}
