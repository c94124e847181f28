// The KV reference model: the "obviously right" KV store of wire spec §7.2, a Map of live
// keys with their value, version, expiry and history, and one version counter. Model-based
// tests (kv_model.test.ts) run the same random ops against it and a KvStore and compare
// every answer. It shares no code with engine/kv on purpose (kv_apply.ts is what it checks).
// Time comes from the test's ManualClock (`nowMs` arguments).

export interface ModelEntry {
  value: Uint8Array;
  version: number;
  expiresAtMs: number;
  /** Value-setting writes since the key was created, oldest first. */
  history: Array<{ version: number; timestampMs: number; value: Uint8Array }>;
}

/** Result of a model op: a value, or the error code the store must throw. */
export type ModelResult<T> = { ok: T } | { error: string };

export type ModelWrite =
  | { kind: 'put'; key: string; value: Uint8Array; ttlMs: number; casVersion?: number;
    ifNotExists?: boolean; ifExists?: boolean }
  | { kind: 'delete'; key: string; casVersion?: number }
  | { kind: 'touch'; key: string; ttlMs: number }
  | { kind: 'persist'; key: string }
  | { kind: 'incr'; key: string; delta: bigint };

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

export class KvModel {
  nextVersion = 1;
  private keys = new Map<string, ModelEntry>();

  readonly historyDepth: number;

  constructor(historyDepth: number) {
    this.historyDepth = historyDepth;
  }

  /** The live entry of `id` (namespace + NUL + key) at `nowMs`; drops an expired one. */
  live(id: string, nowMs: number): ModelEntry | undefined {
    const entry = this.keys.get(id);
    if (entry !== undefined && entry.expiresAtMs !== 0 && entry.expiresAtMs <= nowMs) {
      this.keys.delete(id);
      return undefined;
    }
    return entry;
  }

  /** Applies one write; versions are taken only by writes that set a value. */
  apply(ns: string, write: ModelWrite, nowMs: number): ModelResult<{ version: number;
    counter?: bigint; deleted?: boolean }> {
    const keys = this.keys;
    this.keys = new Map(keys);
    const result = this.applyTo(ns, write, nowMs, null);
    if ('error' in result) this.keys = keys;
    return result;
  }

  /** A transaction: all writes or none; one version for every key it sets. */
  commit(ns: string, writes: ModelWrite[], nowMs: number): ModelResult<number> {
    if (writes.length === 0) return { ok: 0 };
    const keys = this.keys;
    this.keys = new Map([...keys].map(([id, entry]) => [id, { ...entry,
      history: [...entry.history] }]));
    const version = this.nextVersion;
    for (const write of writes) {
      const result = this.applyTo(ns, write, nowMs, version);
      if ('error' in result) {
        this.keys = keys;
        return result;
      }
    }
    // Collapse each key's history entries of this commit into one (one write per key).
    for (const entry of this.keys.values()) {
      const ofCommit = entry.history.filter((item) => item.version === version);
      if (ofCommit.length > 1) {
        entry.history = [...entry.history.filter((item) => item.version !== version),
          ofCommit.at(-1)!];
      }
    }
    this.nextVersion = version + 1;
    return { ok: version };
  }

  private applyTo(
    ns: string, write: ModelWrite, nowMs: number, fixedVersion: number | null,
  ): ModelResult<{ version: number; counter?: bigint; deleted?: boolean }> {
    const id = `${ns}\0${write.key}`;
    const entry = this.live(id, nowMs);
    const take = (): number => fixedVersion ?? this.nextVersion++;
    const setValue = (value: Uint8Array, expiresAtMs: number): number => {
      const version = take();
      const history = entry === undefined ? [] : [...entry.history];
      history.push({ version, timestampMs: nowMs, value });
      this.keys.set(id, { value, version, expiresAtMs, history });
      return version;
    };
    switch (write.kind) {
      case 'put': {
        if (write.casVersion === 0 && entry !== undefined) return { error: 'CONFLICT' };
        if (write.casVersion !== undefined && write.casVersion > 0 &&
          entry?.version !== write.casVersion) return { error: 'CONFLICT' };
        if (write.ifNotExists && entry !== undefined) return { error: 'CONFLICT' };
        if (write.ifExists && entry === undefined) return { error: 'CONFLICT' };
        return { ok: { version: setValue(write.value,
          write.ttlMs > 0 ? nowMs + write.ttlMs : 0) } };
      }
      case 'delete':
        // A single delete of a missing key is NOT_FOUND (false) with or without cas_version;
        // a commit fails a conditional delete of a missing key (§7.2.4).
        if (write.casVersion !== undefined && entry === undefined && fixedVersion !== null) {
          return { error: 'CONFLICT' };
        }
        if (write.casVersion !== undefined && entry !== undefined &&
          entry.version !== write.casVersion) {
          return { error: 'CONFLICT' };
        }
        this.keys.delete(id);
        return { ok: { version: 0, deleted: entry !== undefined } };
      case 'touch':
      case 'persist':
        if (entry === undefined) return { error: 'NOT_FOUND' };
        entry.expiresAtMs = write.kind === 'touch' && write.ttlMs > 0 ? nowMs + write.ttlMs : 0;
        this.keys.set(id, { ...entry });
        return { ok: { version: entry.version } };
      case 'incr': {
        if (entry !== undefined && entry.value.length !== 8) {
          return { error: 'INVALID_ARGUMENT' };
        }
        const current = entry === undefined ? 0n
          : new DataView(entry.value.buffer, entry.value.byteOffset, 8).getBigInt64(0, true);
        const sum = current + write.delta;
        if (sum < I64_MIN || sum > I64_MAX) return { error: 'INVALID_ARGUMENT' };
        const value = new Uint8Array(8);
        new DataView(value.buffer).setBigInt64(0, sum, true);
        const version = setValue(value, entry?.expiresAtMs ?? 0);
        return { ok: { version, counter: sum } };
      }
    }
  }

  /** The newest `limit` history entries (0: all kept), newest first, capped at the depth. */
  history(id: string, nowMs: number, limit: number): ModelEntry['history'] {
    const entry = this.live(id, nowMs);
    if (entry === undefined) return [];
    const count = limit === 0 ? this.historyDepth : Math.min(limit, this.historyDepth);
    return entry.history.slice(-count).reverse();
  }

  /** Live keys of `ns` starting with `prefix`, ascending (keys are ASCII in the tests). */
  scan(ns: string, prefix: string, nowMs: number): Array<[string, ModelEntry]> {
    const out: Array<[string, ModelEntry]> = [];
    for (const id of [...this.keys.keys()]) {
      const [entryNs, key] = id.split('\0') as [string, string];
      if (entryNs !== ns || !key.startsWith(prefix)) continue;
      const entry = this.live(id, nowMs);
      if (entry !== undefined) out.push([key, entry]);
    }
    return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Namespaces holding a live key. */
  namespaces(nowMs: number): string[] {
    const names = new Set<string>();
    for (const id of [...this.keys.keys()]) {
      if (this.live(id, nowMs) !== undefined) names.add(id.split('\0')[0]!);
    }
    return [...names].sort();
  }
}
