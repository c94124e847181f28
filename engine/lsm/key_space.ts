// The LSM's key space: one DB instance serves several owners (the KV store now; action runs,
// queue and group state later), each under its own leading tag byte, so their keys never
// mix, a prefix scan of one owner never sees another's keys, and compaction filters are
// chosen per tag. An owner lays out the rest of the key as it likes.
//
//   lsmKey := tag:u8 ownerKey
//
// Part of the on-disk format: a tag, once given, is never reused for anything else.

/** Tags of the owners. Part of the on-disk format; do not change values, only add. */
export const KeySpace = {
  /** KV entries: tag, namespace (UTF-8, no NUL), 0x00, user key. */
  kv: 0x01,
  /** KV bookkeeping: counter reservations (versions, transaction ids). */
  kvState: 0x02,
  /** Reserved for action runs and workers (engine/action). */
  action: 0x10,
} as const;
export type KeySpace = (typeof KeySpace)[keyof typeof KeySpace];
