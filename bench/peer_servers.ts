// The server peers of `flo-bench compare server`: Redis (redis-server, with ioredis and BullMQ)
// and NATS JetStream (nats-server, with nats.js). Each is started from its executable, found
// on PATH or in /usr/sbin and /usr/local/sbin (where Debian puts nats-server), on 127.0.0.1
// over a fresh directory, in the setting that matches Flo's durability mode, and stopped
// afterwards. A peer that cannot match a mode (nats-server before 2.10 cannot fsync each
// write) says why, and the scenario skips it for that mode with a note.
// Durability settings, printed beside each peer's figures:
//   redis  sync: AOF, appendfsync always      async: AOF, appendfsync everysec
//          (RDB snapshots off, so no fork runs during a phase)
//   nats   sync: sync_interval always (2.10+) async: the default, fsync every 2 minutes

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { freePort, startChildServer, type ChildServer } from './child_server.ts';
import { openNatsTarget } from './nats_target.ts';
import { openRedisTarget } from './redis_target.ts';
import type { ServerTarget } from './server_target.ts';

export type Mode = 'sync' | 'async';

export interface PeerServer {
  /** "redis", "nats" */
  readonly name: string;
  readonly executable: string;
  /** Its client libraries in bench/peers. */
  readonly modules: readonly string[];
  /** The families it has a counterpart for. */
  readonly families: readonly string[];
  /** The setting matching Flo's `mode` on this version, or why there is none. */
  durability(mode: Mode, version: number[]): { setting: string } | { skip: string };
  start(path: string, dir: string, mode: Mode, version: number[]): Promise<ChildServer>;
  open(port: number): Promise<ServerTarget>;
}

/** PATH, then the sbin directories a distribution may keep servers in. */
export function peerSearchPath(): string {
  return [process.env.PATH ?? '', '/usr/local/sbin', '/usr/sbin'].join(delimiter);
}

/** The version `path --version` prints, as numbers ([7, 0, 15]); [] when it prints none. */
export function versionOf(path: string): number[] {
  const run = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const match = /v=?(\d+)\.(\d+)\.(\d+)/.exec(`${run.stdout ?? ''}${run.stderr ?? ''}`);
  return match === null ? [] : match.slice(1).map(Number);
}

const atLeast = (version: number[], major: number, minor: number): boolean =>
  version[0]! > major || (version[0] === major && (version[1] ?? 0) >= minor);

export const redisPeer: PeerServer = {
  name: 'redis',
  executable: 'redis-server',
  modules: ['ioredis', 'bullmq'],
  families: ['kv', 'queue', 'stream'],
  durability: (mode) => ({ setting: mode === 'sync' ? 'AOF, appendfsync always'
    : 'AOF, appendfsync everysec' }),
  async start(path, dir, mode) {
    mkdirSync(dir, { recursive: true });
    const port = await freePort();
    return startChildServer({
      name: 'redis-server', command: path, port,
      args: ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '',
        '--appendonly', 'yes', '--appendfsync', mode === 'sync' ? 'always' : 'everysec',
        '--daemonize', 'no', '--logfile', ''],
      ready: /Ready to accept connections/,
    });
  },
  open: openRedisTarget,
};

export const natsPeer: PeerServer = {
  name: 'nats',
  executable: 'nats-server',
  modules: ['nats'],
  families: ['kv', 'stream'],
  durability(mode, version) {
    if (mode === 'async') return { setting: 'JetStream file store, fsync every 2 min (default)' };
    if (atLeast(version, 2, 10)) return { setting: 'JetStream file store, sync_interval always' };
    return { skip: `nats-server ${version.join('.') || '(unknown version)'} cannot fsync each ` +
      'write (sync_interval: always came in 2.10): NATS is compared in async only' };
  },
  async start(path, dir, mode) {
    const store = join(dir, 'store');
    mkdirSync(store, { recursive: true });
    const config = join(dir, 'nats.conf');
    const sync = mode === 'sync' ? ', sync_interval: always' : '';
    writeFileSync(config, `listen: "127.0.0.1:-1"\n` +
      `jetstream { store_dir: ${JSON.stringify(store)}${sync} }\n`);
    return startChildServer({
      name: 'nats-server', command: path, args: ['-c', config],
      ready: /Listening for client connections on 127\.0\.0\.1:(\d+)[\s\S]*Server is ready/,
    });
  },
  open: openNatsTarget,
};

export const PEER_SERVERS: readonly PeerServer[] = [redisPeer, natsPeer];

