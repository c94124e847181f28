// The peers' client libraries and embedded stores (lmdb, classic-level, better-sqlite3,
// ioredis, bullmq, nats) live in bench/peers, with their own package.json and lockfile, so the
// root `npm ci` stays lean. `flo-bench compare` installs them on demand (npm ci --prefix
// bench/peers) and loads them from there at run time; nothing else imports them. When npm ci
// refuses the lockfile (it lists no entry for an optional platform package the registry in
// use does not carry, e.g. msgpackr-extract's darwin builds on a partial mirror), the install
// falls back to `npm install --no-save`, which takes the locked versions and leaves the
// lockfile as it is.

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
  const attempts = [['ci'], ['install', '--no-save', '--no-audit', '--no-fund']];
  for (const args of attempts) {
    const command = `npm ${args.join(' ')} --prefix ${PEERS_DIR}`;
    options.progress.note(`installing the peers: ${command}`);
    const install = spawnSync('npm', [...args, '--prefix', PEERS_DIR], { stdio: 'inherit' });
    if (install.status === 0 && peerModulesPresent(names)) return true;
  }
  options.skip(`could not install ${names.join(', ')} in bench/peers (npm ci and npm ` +
    'install --prefix bench/peers failed): not compared with them');
  return false;
}
