// `flo kv …`: the KV store of a running server, through FloClient: get (optionally waiting),
// put (--ttl, --cas, --nx, --xx), del, scan (every page, or --max keys), history, incr, exists,
// touch and persist. Keys are UTF-8 text; values are UTF-8 text (or hex with --hex) and print
// as text when printable, 0x-hex otherwise; --json prints what scripts need exactly (values as
// {utf8} or {hex}). A missing key is one line on stderr and exit code 1 (get, del, history,
// touch, persist), as is a failed condition; exists answers either way with exit code 0.

import { InvalidArgumentError, type Command } from 'commander';
import { FloNotFoundError, type FloClient, type KvValue } from '../../client/mod.ts';
import { describeBytes, formatTimestamp, jsonBytes, printableText } from '../bytes_format.ts';
import { formatTable, type CliIo } from '../output.ts';
import {
  allPages, integer, payloadOf, print, remote, withClient, type RemoteOptions, type Run,
} from './remote.ts';

interface GetFlags extends RemoteOptions {
  blockMs?: number;
  waitMs?: number;
}

interface PutFlags extends RemoteOptions {
  ttl?: number;
  cas?: number;
  nx?: boolean;
  xx?: boolean;
  hex?: boolean;
}

interface ScanFlags extends RemoteOptions {
  limit?: number;
  max?: number;
  keysOnly?: boolean;
}


/** Adds `flo kv` and its subcommands. */
export function registerKv(program: Command, io: CliIo): void {
  const kv = program.command('kv').description('the key-value store of a running server');
  const run: Run = (options, work) => withClient(io, options, work);

  remote(kv.command('get <key>'))
    .description('print the value of a key (exit code 1 when it is missing)')
    .option('--block-ms <ms>', 'wait this long for a missing key to be created', integer)
    .option('--wait-ms <ms>', 'wait this long for the key\'s next change', integer)
    .action((key: string, flags: GetFlags) => run(flags, async (c) => {
      const entry = await c.kv.get(key, { blockMs: flags.blockMs, waitMs: flags.waitMs });
      if (entry === null) throw notFound(key);
      printEntry(io, flags, key, entry);
    }));

  remote(kv.command('put <key> <value>'))
    .description('store a value; prints its new version')
    .option('--ttl <ms>', 'expire after this many milliseconds', integer)
    .option('--cas <version>', 'only if the key has this version (0: only if missing)', integer)
    .option('--nx', 'only if the key is missing')
    .option('--xx', 'only if the key exists')
    .option('--hex', 'the value is hex bytes')
    .action((key: string, value: string, flags: PutFlags) => run(flags, async (c) => {
      const version = await c.kv.put(key, payloadOf(value, flags.hex), {
        ttlMs: flags.ttl, casVersion: flags.cas, ifNotExists: flags.nx, ifExists: flags.xx,
      });
      print(io, flags, { key, version }, () => `${version}\n`);
    }));

  remote(kv.command('del <key>'))
    .description('delete a key, its TTL and its history')
    .option('--cas <version>', 'only if the key has this version', integer)
    .action((key: string, flags: RemoteOptions & { cas?: number }) => run(flags, async (c) => {
      if (!await c.kv.delete(key, { casVersion: flags.cas })) throw notFound(key);
      print(io, flags, { key, deleted: true }, () => 'deleted\n');
    }));

  remote(kv.command('scan [prefix]'))
    .description('keys starting with the prefix (all keys without one), in bytewise order')
    .option('--limit <n>', 'keys per request, 1-1000 (default 100)', integer)
    .option('--max <n>', 'stop after this many keys', integer)
    .option('--keys-only', 'leave the values out')
    .action((prefix: string | undefined, flags: ScanFlags) => run(flags, async (c) =>
      scanAll(io, flags, c, prefix ?? '')));

  addRecordCommands(kv, io, run);
  addTtlCommands(kv, io, run);
}

function addRecordCommands(kv: Command, io: CliIo, run: Run): void {
  remote(kv.command('history <key>'))
    .description('the writes that set the key\'s value, newest first')
    .option('--limit <n>', 'entries wanted (default: all kept, at least 8)', integer)
    .action((key: string, flags: RemoteOptions & { limit?: number }) => run(flags, async (c) => {
      const entries = await c.kv.history(key, { limit: flags.limit });
      if (entries === null) throw notFound(key);
      const json = entries.map((entry) => ({ ...entry, value: jsonBytes(entry.value) }));
      print(io, flags, json, () => formatTable(['version', 'written', 'value'],
        entries.map((entry) => [String(entry.version), formatTimestamp(entry.timestampMs),
          describeBytes(entry.value)])));
    }));

  remote(kv.command('incr <key> [delta]'))
    .description('add delta (default 1, may be negative) to an 8-byte counter; prints the sum')
    .action((key: string, delta: string | undefined, flags: RemoteOptions) =>
      run(flags, async (c) => {
        const result = await c.kv.incr(key, deltaOf(delta));
        const value = result.value.toString();
        print(io, flags, { key, version: result.version, value }, () => `${value}\n`);
      }));

  remote(kv.command('exists <key>'))
    .description('whether the key exists, and its version')
    .action((key: string, flags: RemoteOptions) => run(flags, async (c) => {
      const found = await c.kv.exists(key);
      print(io, flags, { key, ...found }, () =>
        found.exists ? `exists, version ${found.version}\n` : 'missing\n');
    }));
}

function addTtlCommands(kv: Command, io: CliIo, run: Run): void {
  remote(kv.command('touch <key> <ttl-ms>'))
    .description('expire the key after ttl-ms from now (0 removes the TTL); the version stays')
    .option('--cas <version>', 'only if the key has this version', integer)
    .action((key: string, ttl: string, flags: RemoteOptions & { cas?: number }) =>
      run(flags, async (c) => {
        await missingAsNotFound(key, c.kv.touch(key, integer(ttl), { casVersion: flags.cas }));
        print(io, flags, { key, ok: true }, () => 'ok\n');
      }));

  remote(kv.command('persist <key>'))
    .description('remove the key\'s TTL; the version stays')
    .option('--cas <version>', 'only if the key has this version', integer)
    .action((key: string, flags: RemoteOptions & { cas?: number }) => run(flags, async (c) => {
      await missingAsNotFound(key, c.kv.persist(key, { casVersion: flags.cas }));
      print(io, flags, { key, ok: true }, () => 'ok\n');
    }));
}

async function scanAll(io: CliIo, flags: ScanFlags, client: FloClient, prefix: string) {
  const shown = await allPages((cursor) => client.kv.scan(prefix, { limit: flags.limit, cursor,
    keysOnly: flags.keysOnly }), flags.max);
  const json = shown.map((row) => ({ key: keyText(row.key),
    ...(flags.keysOnly === true ? {} : { value: jsonBytes(row.value) }) }));
  print(io, flags, json, () => {
    if (shown.length === 0) return '(no keys)\n';
    if (flags.keysOnly === true) return shown.map((row) => `${keyText(row.key)}\n`).join('');
    return formatTable(['key', 'value'], shown.map((row) => [keyText(row.key),
      describeBytes(row.value)]));
  });
}

function printEntry(io: CliIo, flags: RemoteOptions, key: string, entry: KvValue): void {
  print(io, flags, { key, version: entry.version, value: jsonBytes(entry.value) }, () => {
    return `${keyText(entry.value)}\n`;
  });
}

// Keys (and values printed alone) are shown as text; bytes that are not printable UTF-8
// show as 0x-hex.
function keyText(bytes: Uint8Array): string {
  return printableText(bytes) ?? `0x${Buffer.from(bytes).toString('hex')}`;
}

function notFound(key: string): Error {
  return new Error(`key not found: ${JSON.stringify(key)}`);
}

// touch and persist report a missing key as NOT_FOUND with an empty body: name the key.
async function missingAsNotFound(key: string, call: Promise<void>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (error instanceof FloNotFoundError) throw notFound(key);
    throw error;
  }
}

/** An incr delta: an integer in the i64 range (default 1); otherwise a usage error. */
function deltaOf(text: string | undefined): bigint {
  if (text === undefined) return 1n;
  const delta = /^-?\d+$/.test(text.trim()) ? BigInt(text.trim()) : null;
  if (delta === null || delta < -(2n ** 63n) || delta > 2n ** 63n - 1n) {
    throw new InvalidArgumentError(`expected an integer delta in the i64 range, got "${text}"`);
  }
  return delta;
}
