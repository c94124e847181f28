// Test support for the KV store: opens a KvStore on a MemFs with a ManualClock and small
// LSM limits, and reads values back as text. Only tests import this file.

import { ManualClock } from '../io/clock.ts';
import { MemFs } from '../io/mem_fs.ts';
import { KvStore, type KvOptions } from '../kv/kv_store.ts';
import type { Durability } from '../log/segmented_log.ts';

export interface KvFixture {
  kv: KvStore;
  fs: MemFs;
  clock: ManualClock;
  /** Closes and reopens the store on the same files. */
  reopen(): Promise<KvStore>;
}

/** A store on a fresh MemFs (or `fs`), with tiny memtables so tests reach the tables. */
export async function openKv(
  options: Partial<KvOptions> & { durability?: Durability } = {}, fs = new MemFs(),
): Promise<KvFixture> {
  const clock = (options.clock as ManualClock | undefined) ?? new ManualClock();
  const open = (): Promise<KvStore> => KvStore.open({
    fs, clock, dir: '/kv', ...options,
    lsm: { memtableBytesMax: 64 * 1024, background: false, ...options.lsm },
  });
  const fixture: KvFixture = {
    kv: await open(), fs, clock,
    reopen: async () => {
      await fixture.kv.close();
      fixture.kv = await open();
      return fixture.kv;
    },
  };
  return fixture;
}

/** The value of an entry as text, or null. */
export function text(entry: { value: Uint8Array } | null): string | null {
  return entry === null ? null : new TextDecoder().decode(entry.value);
}
