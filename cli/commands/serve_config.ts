// The configuration of `flo serve`, resolved from four layers with flags > environment >
// config file > defaults. Each setting has one name per layer: a flag (--listen), an
// environment variable (FLO_LISTEN_ADDR) and a config-file key, which is the variable's
// name without FLO_ in lower case (listen_addr), so one table documents all three. The file
// is JSON (--config or FLO_CONFIG). Every bad value is a ServeConfigError naming where it
// came from, shown as one line with exit code 2. Pure: the caller passes the environment
// and a file reader. Used by cli/commands/serve.ts.

import { resolve as resolvePath } from 'node:path';

export type Durability = 'sync' | 'async' | 'memory';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** The resolved settings. */
export interface ServeConfig {
  /** Absolute path; unused with durability memory. */
  readonly dataDir: string;
  readonly listen: ListenAddress;
  /** null: no HTTP listener (`off`). */
  readonly http: ListenAddress | null;
  readonly durability: Durability;
  readonly syncIntervalMs: number;
  /** §7.6 `action.run_retention_ms`: finished runs are kept at least this long. */
  readonly actionRunRetentionMs: number;
  /** §7.7 `worker.timeout_ms`: a worker not heard from for this long is unhealthy. */
  readonly workerTimeoutMs: number;
  readonly authTokens: readonly string[];
  readonly jwtSecret: string | null;
  readonly nodeId: string;
}

/** The flags commander parsed (absent ones are undefined). */
export interface ServeFlags {
  readonly dataDir?: string;
  readonly listen?: string;
  readonly http?: string;
  readonly durability?: string;
  readonly syncIntervalMs?: string;
  readonly actionRunRetentionMs?: string;
  readonly workerTimeoutMs?: string;
  readonly authToken?: readonly string[];
  readonly jwtSecret?: string;
  readonly nodeId?: string;
  readonly config?: string;
  readonly dev?: boolean;
}

/** A bad setting; the message is the one line the user sees. */
export class ServeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServeConfigError';
  }
}

/** One setting: its names in the three layers. */
interface Setting {
  readonly key: keyof Omit<ServeFlags, 'config' | 'dev'>;
  readonly flag: string;
  readonly env: string;
  readonly file: string;
}

const settings: readonly Setting[] = [
  { key: 'dataDir', flag: '--data-dir', env: 'FLO_DATA_DIR', file: 'data_dir' },
  { key: 'listen', flag: '--listen', env: 'FLO_LISTEN_ADDR', file: 'listen_addr' },
  { key: 'http', flag: '--http', env: 'FLO_HTTP_ADDR', file: 'http_addr' },
  { key: 'durability', flag: '--durability', env: 'FLO_DURABILITY', file: 'durability' },
  {
    key: 'syncIntervalMs', flag: '--sync-interval-ms', env: 'FLO_SYNC_INTERVAL_MS',
    file: 'sync_interval_ms',
  },
  {
    key: 'actionRunRetentionMs', flag: '--action-run-retention-ms',
    env: 'FLO_ACTION_RUN_RETENTION_MS', file: 'action_run_retention_ms',
  },
  {
    key: 'workerTimeoutMs', flag: '--worker-timeout-ms', env: 'FLO_WORKER_TIMEOUT_MS',
    file: 'worker_timeout_ms',
  },
  { key: 'authToken', flag: '--auth-token', env: 'FLO_AUTH_TOKENS', file: 'auth_tokens' },
  { key: 'jwtSecret', flag: '--jwt-secret', env: 'FLO_JWT_SECRET', file: 'jwt_secret' },
  { key: 'nodeId', flag: '--node-id', env: 'FLO_NODE_ID', file: 'node_id' },
];

// A year of retention; a day without contact.
const RETENTION_MS_MAX = 365 * 86_400_000;
const WORKER_TIMEOUT_MS_MAX = 86_400_000;

const defaults = {
  dataDir: './data',
  listen: '127.0.0.1:9000',
  http: '127.0.0.1:9001',
  durability: 'sync',
  syncIntervalMs: '100',
  actionRunRetentionMs: '86400000',
  workerTimeoutMs: '60000',
  nodeId: 'node-1',
} as const;

/** A raw value and where it came from (for the error message). */
interface Raw {
  readonly value: string | readonly string[];
  readonly source: string;
}

/**
 * Resolves the settings. `readFile` reads the config file (it may throw; the error becomes a
 * ServeConfigError); `cwd` anchors a relative data directory.
 * @throws ServeConfigError for any bad value, naming its flag, variable or file key
 */
export function resolveServeConfig(
  flags: ServeFlags,
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string,
  cwd: string,
): ServeConfig {
  const configPath = flags.config ?? nonEmpty(env['FLO_CONFIG']);
  const file = configPath === undefined ? {} : readConfigFile(configPath, readFile);
  const pick = (setting: Setting): Raw | undefined => {
    const flag = flags[setting.key];
    if (flag !== undefined) return { value: flag, source: setting.flag };
    const fromEnv = nonEmpty(env[setting.env]);
    if (fromEnv !== undefined) return { value: fromEnv, source: setting.env };
    const fromFile = file[setting.file];
    if (fromFile !== undefined) {
      return { value: fromFile, source: `${setting.file} in ${configPath}` };
    }
    return undefined;
  };
  const raw = new Map(settings.map((setting) => [setting.key, pick(setting)]));
  const text = (key: keyof typeof defaults): Raw =>
    (raw.get(key) as Raw | undefined) ?? { value: defaults[key], source: `default ${key}` };
  const durability = resolveDurability(flags, raw.get('durability'));
  return {
    dataDir: resolvePath(cwd, nonBlank(text('dataDir'))),
    listen: parseAddress(text('listen')),
    http: isOff(text('http')) ? null : parseAddress(text('http')),
    durability,
    syncIntervalMs: parseInteger(text('syncIntervalMs'), 1, 3_600_000),
    actionRunRetentionMs: parseInteger(text('actionRunRetentionMs'), 1, RETENTION_MS_MAX),
    workerTimeoutMs: parseInteger(text('workerTimeoutMs'), 1, WORKER_TIMEOUT_MS_MAX),
    authTokens: parseTokens(raw.get('authToken')),
    jwtSecret: raw.get('jwtSecret') === undefined ? null : nonBlank(raw.get('jwtSecret')!),
    nodeId: parseNodeId(text('nodeId')),
  };
}

/** The settings table for --help: flag, variable, file key. */
export function settingsHelp(): string {
  const rows = settings.map((s) => `  ${s.flag.padEnd(20)}${s.env.padEnd(24)}${s.file}`);
  return ['Settings (flag > environment > config file > default):',
    `  ${'flag'.padEnd(20)}${'environment'.padEnd(24)}config file key`, ...rows,
    '  --config            FLO_CONFIG              (the JSON file itself)'].join('\n');
}

function readConfigFile(
  path: string,
  readFile: (path: string) => string,
): Record<string, Raw['value']> {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw new ServeConfigError(`cannot read config file ${JSON.stringify(path)}: ` +
      (error instanceof Error ? error.message : String(error)));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ServeConfigError(`config file ${JSON.stringify(path)} is not JSON: ` +
      (error instanceof Error ? error.message : String(error)));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ServeConfigError(`config file ${JSON.stringify(path)} must hold a JSON object`);
  }
  const known = new Map(settings.map((setting) => [setting.file, setting]));
  const out: Record<string, Raw['value']> = {};
  for (const [key, value] of Object.entries(parsed)) {
    const setting = known.get(key);
    if (setting === undefined) {
      throw new ServeConfigError(`unknown key ${JSON.stringify(key)} in config file ` +
        `${JSON.stringify(path)}; known: ${[...known.keys()].join(', ')}`);
    }
    out[key] = fileValue(value, key, setting, path);
  }
  return out;
}

// Settings a config file may give as JSON numbers.
const numericKeys = new Set<Setting['key']>(['syncIntervalMs', 'actionRunRetentionMs',
  'workerTimeoutMs']);

function fileValue(value: unknown, key: string, setting: Setting, path: string): Raw['value'] {
  if (setting.key === 'authToken') {
    if (Array.isArray(value) && value.every((token) => typeof token === 'string')) {
      return value as string[];
    }
    throw new ServeConfigError(`${key} in ${path} must be a list of strings`);
  }
  if (typeof value === 'number' && numericKeys.has(setting.key)) return String(value);
  if (typeof value !== 'string') {
    throw new ServeConfigError(`${key} in ${path} must be a string`);
  }
  return value;
}

function resolveDurability(flags: ServeFlags, raw: Raw | undefined): Durability {
  if (flags.dev) {
    // --dev means memory; only an explicit flag saying otherwise conflicts with it.
    if (flags.durability !== undefined && flags.durability !== 'memory') {
      throw new ServeConfigError(`--dev runs in memory; it conflicts with --durability ` +
        `${flags.durability}`);
    }
    return 'memory';
  }
  if (raw === undefined) return defaults.durability;
  const value = single(raw);
  if (value === 'sync' || value === 'async' || value === 'memory') return value;
  throw new ServeConfigError(`invalid ${raw.source} ${JSON.stringify(value)}: ` +
    'want sync, async or memory');
}

/** `host:port`, `[v6]:port` or `:port` (host 127.0.0.1); port 0 picks a free one. */
export function parseAddress(raw: Raw): ListenAddress {
  const value = single(raw).trim();
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]*)):(\d{1,5})$/.exec(value);
  const port = match === null ? NaN : Number(match[3]);
  if (match === null || port > 65_535) {
    throw new ServeConfigError(`invalid ${raw.source} ${JSON.stringify(value)}: want ` +
      'host:port with a port from 0 to 65535');
  }
  return { host: match[1] ?? (match[2] === '' ? '127.0.0.1' : match[2]!), port };
}

function isOff(raw: Raw): boolean {
  return single(raw).trim().toLowerCase() === 'off';
}

function parseInteger(raw: Raw, min: number, max: number): number {
  const value = single(raw).trim();
  const number = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(number >= min && number <= max)) {
    throw new ServeConfigError(`invalid ${raw.source} ${JSON.stringify(value)}: want an ` +
      `integer from ${min} to ${max}`);
  }
  return number;
}

function parseTokens(raw: Raw | undefined): string[] {
  if (raw === undefined) return [];
  // The variable is a comma-separated list; each --auth-token and each list entry is one.
  const tokens = typeof raw.value === 'string' ? raw.value.split(',') : [...raw.value];
  if (tokens.some((token) => token.length === 0)) {
    throw new ServeConfigError(`invalid ${raw.source}: a token is empty`);
  }
  return tokens;
}

function parseNodeId(raw: Raw): string {
  const value = nonBlank(raw);
  if (Buffer.byteLength(value) > 255) {
    throw new ServeConfigError(`invalid ${raw.source}: at most 255 bytes`);
  }
  return value;
}

function nonBlank(raw: Raw): string {
  const value = single(raw);
  if (value.trim().length === 0) throw new ServeConfigError(`${raw.source} is empty`);
  return value;
}

function single(raw: Raw): string {
  if (typeof raw.value === 'string') return raw.value;
  throw new ServeConfigError(`${raw.source} takes one value`);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
