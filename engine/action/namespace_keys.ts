// The action store's keys of one namespace in the LSM, for namespace questions and forced
// deletion: does a namespace hold runs, which namespaces do, and delete all of one (its
// actions, run records, list and idempotency entries, workers). Scans run on the LSM's
// iterator (synchronous); deletes go through the store's writer.

import { startsWith } from '../codec/bytes.ts';
import type { LsmDb } from '../lsm/db.ts';
import { KeyKind, kindPrefix, namespacePrefix, prefixEnd, splitKey } from './action_keys.ts';
import type { ActionWriter } from './action_writer.ts';

/** True when the LSM holds a run record of `namespace`. */
export function namespaceHasRuns(db: LsmDb, namespace: string): boolean {
  const prefix = namespacePrefix(KeyKind.run, namespace);
  const iterator = db.iterator();
  try {
    iterator.seek(prefix);
    return iterator.valid() && startsWith(iterator.key(), prefix);
  } finally {
    iterator.close();
  }
}

/** The namespaces with run records, in key order (one seek per namespace). */
export function namespacesWithRuns(db: LsmDb): string[] {
  const prefix = kindPrefix(KeyKind.run);
  const names: string[] = [];
  const iterator = db.iterator();
  try {
    iterator.seek(prefix);
    while (iterator.valid() && startsWith(iterator.key(), prefix)) {
      const { namespace } = splitKey(iterator.key());
      names.push(namespace);
      iterator.seek(prefixEnd(namespacePrefix(KeyKind.run, namespace)));
    }
  } finally {
    iterator.close();
  }
  return names;
}

/** Deletes every key of `namespace`; resolves once the deletes are durable. */
export async function dropNamespaceKeys(db: LsmDb, writer: ActionWriter,
  namespace: string): Promise<void> {
  const kinds = [KeyKind.action, KeyKind.run, KeyKind.list, KeyKind.idem, KeyKind.worker];
  for (const kind of kinds) {
    const prefix = namespacePrefix(kind, namespace);
    const keys: Uint8Array[] = [];
    const iterator = db.iterator();
    try {
      for (iterator.seek(prefix); iterator.valid(); iterator.next()) {
        const key = iterator.key();
        if (!startsWith(key, prefix)) break;
        keys.push(key.slice());
      }
    } finally {
      iterator.close();
    }
    for (const key of keys) void writer.delete(key);
  }
  writer.flush();
  await writer.settled();
}
