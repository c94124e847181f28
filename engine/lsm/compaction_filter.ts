// Compaction filters: how an owner of a key space (one leading tag byte, see key_space.ts)
// tells flushes and compactions which versions of its keys to keep. The DB alone keeps
// exactly what a snapshot may read (LevelDB's rule); an owner with its own notion of
// history or expiry (the KV store: history depth, TTLs) overrides that per entry.
//
// The DB calls a filter run for every entry of the owner's keys in internal-key order
// (user key ascending, then newest version first). A run is made per flush or compaction,
// so it may keep state across the versions of one key.

/** What to do with one entry. */
export const FilterDecision = {
  /** Apply the DB's own rule (drop what no snapshot can see). */
  default: 0,
  /** Write it to the output, even when no snapshot can see it (history). */
  keep: 1,
  /** Leave it out. Overrides snapshots: the owner knows no reader needs it. */
  drop: 2,
  /**
   * The key's life ends at this entry (an expired TTL): write a tombstone with its seq in
   * its place, or nothing when no older version of the key can exist below the output.
   */
  expire: 3,
} as const;
export type FilterDecision = (typeof FilterDecision)[keyof typeof FilterDecision];

/** What a filter may ask the DB during one flush or compaction. */
export interface FilterContext {
  /** The clock's time when the job started (expiry is judged against it). */
  readonly nowMs: number;
  /** True when no table below the output can hold a version of `key`. */
  isBottom(key: Uint8Array): boolean;
  /** True when a newer version of `key` exists outside this job's inputs. */
  newerExists(key: Uint8Array): boolean;
}

/** The per-job state of a filter. */
export interface CompactionFilterRun {
  /**
   * Decides about one entry. `first` is true for the newest entry of its key among this
   * job's inputs. `value` is a view valid only during the call.
   */
  decide(key: Uint8Array, seq: number, kind: number, value: Uint8Array, first: boolean):
    FilterDecision;
}

/** An owner's filter: makes a run per job. */
export interface CompactionFilter {
  start(context: FilterContext): CompactionFilterRun;
}
