// Tests of the `flo serve` settings: defaults, the precedence flags > environment > config
// file > defaults for every setting, --dev, address forms, and that each bad value is one
// ServeConfigError naming where it came from; plus `flo serve` giving exit code 2 for them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../main.ts';
import { collectingIo } from '../output.ts';
import {
  resolveServeConfig,
  ServeConfigError,
  type ServeFlags,
} from './serve_config.ts';

const noFile = (path: string): string => {
  throw new Error(`ENOENT: no such file, open '${path}'`);
};
const resolve = (
  flags: ServeFlags = {},
  env: Record<string, string> = {},
  files: Record<string, unknown> = {},
) => resolveServeConfig(flags, env, (path) => {
  if (!(path in files)) return noFile(path);
  const content = files[path];
  return typeof content === 'string' ? content : JSON.stringify(content);
}, '/work');

test('the defaults: ./data, 127.0.0.1:9000, HTTP :9001, sync, no auth, node-1', () => {
  assert.deepEqual(resolve(), {
    dataDir: '/work/data',
    listen: { host: '127.0.0.1', port: 9000 },
    http: { host: '127.0.0.1', port: 9001 },
    durability: 'sync',
    syncIntervalMs: 100,
    actionRunRetentionMs: 86_400_000,
    workerTimeoutMs: 60_000,
    authTokens: [],
    jwtSecret: null,
    nodeId: 'node-1',
  });
});

test('each setting takes its flag over its variable over the file over the default', () => {
  const file = {
    data_dir: '/file', listen_addr: '0.0.0.0:1', http_addr: 'off', durability: 'async',
    sync_interval_ms: 5, auth_tokens: ['f1', 'f2'], jwt_secret: 'fs', node_id: 'file-node',
    action_run_retention_ms: 1000, worker_timeout_ms: '2000',
  };
  const env = {
    FLO_CONFIG: '/etc/flo.json', FLO_DATA_DIR: 'envdir', FLO_LISTEN_ADDR: '127.0.0.2:2',
    FLO_HTTP_ADDR: ':3', FLO_DURABILITY: 'memory', FLO_SYNC_INTERVAL_MS: '6',
    FLO_AUTH_TOKENS: 'e1,e2', FLO_JWT_SECRET: 'es', FLO_NODE_ID: 'env-node',
    FLO_ACTION_RUN_RETENTION_MS: '3000', FLO_WORKER_TIMEOUT_MS: '4000',
  };
  const flags: ServeFlags = {
    dataDir: 'flagdir', listen: '[::1]:4', http: '127.0.0.3:5', durability: 'sync',
    syncIntervalMs: '7', authToken: ['a,b', 'c'], jwtSecret: 'xs', nodeId: 'flag-node',
    actionRunRetentionMs: '5000', workerTimeoutMs: '6000',
  };
  const files = { '/etc/flo.json': file };
  assert.deepEqual(resolve({}, { FLO_CONFIG: '/etc/flo.json' }, files), {
    dataDir: '/file', listen: { host: '0.0.0.0', port: 1 }, http: null, durability: 'async',
    syncIntervalMs: 5, authTokens: ['f1', 'f2'], jwtSecret: 'fs', nodeId: 'file-node',
    actionRunRetentionMs: 1000, workerTimeoutMs: 2000,
  });
  assert.deepEqual(resolve({}, env, files), {
    dataDir: '/work/envdir', listen: { host: '127.0.0.2', port: 2 },
    http: { host: '127.0.0.1', port: 3 }, durability: 'memory', syncIntervalMs: 6,
    authTokens: ['e1', 'e2'], jwtSecret: 'es', nodeId: 'env-node',
    actionRunRetentionMs: 3000, workerTimeoutMs: 4000,
  });
  assert.deepEqual(resolve(flags, env, files), {
    dataDir: '/work/flagdir', listen: { host: '::1', port: 4 },
    http: { host: '127.0.0.3', port: 5 }, durability: 'sync', syncIntervalMs: 7,
    authTokens: ['a,b', 'c'], jwtSecret: 'xs', nodeId: 'flag-node',
    actionRunRetentionMs: 5000, workerTimeoutMs: 6000,
  });
  assert.equal(resolve({ config: '/other.json' }, env, { '/other.json': {} }).nodeId, 'env-node',
    '--config names the file over FLO_CONFIG');
  assert.equal(resolve({}, { FLO_NODE_ID: '' }).nodeId, 'node-1', 'an empty variable is unset');
});

test('--dev runs in memory over any variable or file, and conflicts with --durability', () => {
  assert.equal(resolve({ dev: true }, { FLO_DURABILITY: 'sync' }).durability, 'memory');
  assert.equal(resolve({ dev: true, durability: 'memory' }).durability, 'memory');
  assert.throws(() => resolve({ dev: true, durability: 'sync' }), /--dev .* conflicts/);
});

test('every bad value is one ServeConfigError naming its source', () => {
  const cases: Array<[() => unknown, RegExp]> = [
    [() => resolve({ listen: 'localhost' }), /^invalid --listen "localhost": want host:port/],
    [() => resolve({}, { FLO_LISTEN_ADDR: 'h:70000' }), /^invalid FLO_LISTEN_ADDR "h:70000"/],
    [() => resolve({ http: 'x:y' }), /^invalid --http "x:y"/],
    [() => resolve({}, { FLO_DURABILITY: 'fast' }), /^invalid FLO_DURABILITY "fast": want sync/],
    [() => resolve({ syncIntervalMs: '0' }), /^invalid --sync-interval-ms "0": want an integer/],
    [() => resolve({ syncIntervalMs: '1.5' }), /^invalid --sync-interval-ms/],
    [() => resolve({ workerTimeoutMs: '0' }), /^invalid --worker-timeout-ms "0"/],
    [() => resolve({}, { FLO_ACTION_RUN_RETENTION_MS: 'day' }),
      /^invalid FLO_ACTION_RUN_RETENTION_MS "day"/],
    [() => resolve({}, { FLO_AUTH_TOKENS: 'a,,b' }), /^invalid FLO_AUTH_TOKENS: a token is empty/],
    [() => resolve({ jwtSecret: ' ' }), /^--jwt-secret is empty/],
    [() => resolve({ nodeId: 'n'.repeat(256) }), /^invalid --node-id: at most 255 bytes/],
    [() => resolve({ dataDir: '' }), /^--data-dir is empty/],
    [() => resolve({ config: '/missing.json' }), /^cannot read config file "\/missing.json"/],
    [() => resolve({ config: '/f' }, {}, { '/f': '{oops' }), /^config file "\/f" is not JSON/],
    [() => resolve({ config: '/f' }, {}, { '/f': [] }), /must hold a JSON object/],
    [() => resolve({ config: '/f' }, {}, { '/f': { listen: ':1' } }),
      /^unknown key "listen" in config file "\/f"; known: data_dir, listen_addr/],
    [() => resolve({ config: '/f' }, {}, { '/f': { node_id: 3 } }), /node_id in \/f must be/],
    [() => resolve({ config: '/f' }, {}, { '/f': { auth_tokens: 'a' } }), /list of strings/],
    [() => resolve({ config: '/f' }, {}, { '/f': { listen_addr: 'nope' } }),
      /^invalid listen_addr in \/f "nope"/],
  ];
  for (const [run, message] of cases) {
    assert.throws(run, (error: unknown) => {
      assert.ok(error instanceof ServeConfigError, String(error));
      assert.match(error.message, message);
      assert.doesNotMatch(error.message, /\n/, 'one line');
      return true;
    });
  }
});

test('flo serve answers a bad value with one line on stderr and exit code 2', async () => {
  const io = collectingIo();
  const code = await main(['node', 'flo', 'serve', '--listen', 'nowhere'], io);
  assert.equal(code, 2);
  assert.equal(io.stderr, 'flo serve: invalid --listen "nowhere": want host:port with a port ' +
    'from 0 to 65535\n');
  assert.equal(io.stdout, '');
  const unknown = collectingIo();
  assert.equal(await main(['node', 'flo', 'serve', '--bogus'], unknown), 2);
  assert.match(unknown.stderr, /unknown option '--bogus'/);
});
