// The peers' client libraries and embedded stores (lmdb, classic-level, better-sqlite3,
// ioredis, bullmq, nats) live in bench/peers, with their own package.json and lockfile, so the
// root `npm ci` stays lean. `flo-bench compare` installs them on demand (npm ci --prefix
// bench/peers) and loads them from there at run time; nothing else imports them.

import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ScenarioOptions } from './scenario.ts';

/** Where the peers are installed (`npm ci --prefix bench/peers`). */
export const PEERS_DIR = join(import.meta.dirname, 'peers');

const requireFromPeers = createRequire(join(PEERS_DIR, 'package.json'));

/** Loads a module installed in bench/peers (callers cast it to the slice of its API they use). */
export function requirePeer(name: string): unknown {
  return requireFromPeers(name);
}

/** Whether every module of `names` resolves in bench/peers. */
export function peerModulesPresent(names: readonly string[]): boolean {
  return names.every((name) => {
    try {
      requireFromPeers.resolve(name);
      return true;
    } catch {
      return false;
    }
  });
}

/** Installs bench/peers when a module of `names` is missing; false (with a note) on failure. */
export function ensurePeerModules(options: ScenarioOptions, names: readonly string[]): boolean {
  if (peerModulesPresent(names)) return true;
  options.progress.note(`installing the peers: npm ci --prefix ${PEERS_DIR}`);
  const install = spawnSync('npm', ['ci', '--prefix', PEERS_DIR], { stdio: 'inherit' });
  if (install.status === 0 && peerModulesPresent(names)) return true;
  options.skip(`could not install ${names.join(', ')} in bench/peers (npm ci --prefix ` +
    'bench/peers failed): not compared with them');
  return false;
}
