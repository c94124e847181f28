// `flo stream …`: the streams of a running server, through FloClient: append, read, tail
// (--follow keeps printing new records until interrupted), info, list, create, delete and
// trim; consumer groups are `flo stream group …` (stream_group.ts). Positions are SEQ or
// TIMESTAMP_MS-SEQ. Records print one per row (payloads as text when printable, hex
// otherwise); --json prints them exactly (payloads as {utf8} or {hex}).

import type { Command } from 'commander';
import { FloNotFoundError, textOf, type FloClient } from '../../client/mod.ts';
import { formatTable, type CliIo } from '../output.ts';
import { printRecords } from './record_format.ts';
import {
  allPages, header, integer, payloadOf, print, remote, streamId, withClient,
  type RemoteOptions, type Run,
} from './remote.ts';
import { registerStreamGroup } from './stream_group.ts';

interface AppendFlags extends RemoteOptions {
  partition?: number;
  key?: string;
  header?: Array<[string, string]>;
  timestamp?: number;
  hex?: boolean;
}

interface ReadFlags extends RemoteOptions {
  from?: { timestampMs: number; sequence: number };
  to?: { timestampMs: number; sequence: number };
  partition?: number;
  count?: number;
  blockMs?: number;
}

interface SettingsFlags extends RemoteOptions {
  partitions?: number;
  retentionCount?: number;
  retentionAge?: number;
  retentionBytes?: number;
}

/** Time a --follow read waits per request before asking again (ms). */
const FOLLOW_BLOCK_MS = 5_000;

/** Adds `flo stream` and its subcommands. */
export function registerStream(program: Command, io: CliIo): void {
  const stream = program.command('stream').description('streams on a running server');
  const run = (options: RemoteOptions, work: (client: FloClient) => Promise<void>) =>
    withClient(io, options, work);

  remote(stream.command('append <stream> <payload...>'))
    .description('append records as one atomic batch; prints the first one\'s id')
    .option('--partition <n>', 'the partition (default: by --key, else round robin)', integer)
    .option('--key <key>', 'choose the partition by hash of this key')
    .option('--header <name=value>', 'a header on every record (repeatable)', header)
    .option('--timestamp <ms>', 'requested time (never before the last record)', integer)
    .option('--hex', 'payloads are hex bytes')
    .action((name: string, payloads: string[], flags: AppendFlags) => run(flags, async (c) => {
      const headers = flags.header ?? [];
      const id = await c.stream.append(name, payloads.map((payload) => ({
        payload: payloadOf(payload, flags.hex), headers })), {
        partition: flags.partition,
        partitionKey: flags.key,
        timestampMs: flags.timestamp,
      });
      print(io, flags, { ...id, count: payloads.length },
        () => `${id.timestampMs}-${id.sequence}\n`);
    }));

  remote(stream.command('read <stream>'))
    .description('records in sequence order, from the oldest (or --from) on')
    .option('--from <id>', 'first position, inclusive (SEQ or TIMESTAMP_MS-SEQ)', streamId)
    .option('--to <id>', 'last position, inclusive', streamId)
    .option('--partition <n>', 'only this partition', integer)
    .option('--count <n>', 'records wanted, 1-1000 (default 100)', integer)
    .option('--block-ms <ms>', 'wait this long for a matching record', integer)
    .action((name: string, flags: ReadFlags) => run(flags, async (c) => {
      const records = await c.stream.read(name, {
        start: flags.from,
        end: flags.to,
        partition: flags.partition,
        count: flags.count,
        blockMs: flags.blockMs,
      });
      printRecords(io, flags, records);
    }));

  remote(stream.command('tail <stream>'))
    .description('the newest records; with --follow, new ones as they come (Ctrl-C stops)')
    .option('--count <n>', 'newest records to show first (default 10)', integer)
    .option('--follow', 'keep printing records as they are appended')
    .action((name: string, flags: RemoteOptions & { count?: number; follow?: boolean }) =>
      run(flags, (c) => tail(io, flags, c, name)));

  addInfoCommands(stream, io, run);
  addSettingsCommands(stream, io, run);
  registerStreamGroup(stream, io, run);
}


function addInfoCommands(stream: Command, io: CliIo, run: Run): void {
  remote(stream.command('info <stream>'))
    .description('oldest and newest records, totals, partitions and retention')
    .option('--partition <n>', 'figures of this partition only', integer)
    .action((name: string, flags: RemoteOptions & { partition?: number }) =>
      run(flags, async (c) => {
        const info = await c.stream.info(name,
          { partition: flags.partition });
        print(io, flags, info, () => formatTable(['field', 'value'], [
          ['first', `${info.first.timestampMs}-${info.first.sequence}`],
          ['last', `${info.last.timestampMs}-${info.last.sequence}`],
          ...(['count', 'bytes', 'partitionCount', 'retentionCount', 'retentionAgeSeconds',
            'retentionBytes'] as const).map((key) => [key, String(info[key])]),
        ]));
      }));

  remote(stream.command('list [prefix]'))
    .description('streams of the namespace (every page) with their partition counts')
    .option('--limit <n>', 'streams per request, 1-1000 (default 100)', integer)
    .action((prefix: string | undefined, flags: RemoteOptions & { limit?: number }) =>
      run(flags, (c) => listStreams(io, flags, c, prefix ?? '')));
}

function addSettingsCommands(stream: Command, io: CliIo, run: Run): void {
  remote(stream.command('create <stream>'))
    .description('create a stream (appends create one with 1 partition on their own)')
    .option('--partitions <n>', 'partitions, 1-1024 (default 1)', integer)
    .option('--retention-count <n>', 'keep at most the newest n records', integer)
    .option('--retention-age <seconds>', 'drop records older than this', integer)
    .option('--retention-bytes <n>', 'drop the oldest records past this size', integer)
    .action((name: string, flags: SettingsFlags) => run(flags, async (c) => {
      await c.stream.create(name, {
        partitions: flags.partitions,
        retentionCount: flags.retentionCount,
        retentionAgeSeconds: flags.retentionAge,
        retentionBytes: flags.retentionBytes,
      });
      print(io, flags, { ok: true }, () => 'ok\n');
    }));

  remote(stream.command('delete <stream>'))
    .description('delete a stream with its groups (one holding records only with --force)')
    .option('--force', 'delete it even if it holds records')
    .action((name: string, flags: RemoteOptions & { force?: boolean }) => run(flags, async (c) => {
      await c.stream.delete(name, { force: flags.force === true });
      print(io, flags, { ok: true }, () => 'ok\n');
    }));

  remote(stream.command('trim <stream>'))
    .description('remove old records by any of the criteria (whole batches only)')
    .option('--keep <n>', 'keep the newest n records', integer)
    .option('--before <id>', 'remove records before this position', streamId)
    .option('--max-age <seconds>', 'remove records older than this', integer)
    .option('--max-bytes <n>', 'remove the oldest records past this size', integer)
    .option('--dry-run', 'report what would be removed, remove nothing')
    .action((name: string, flags: RemoteOptions & { keep?: number; maxAge?: number;
      before?: { timestampMs: number; sequence: number }; maxBytes?: number;
      dryRun?: boolean }) => run(flags, async (c) => {
      const result = await c.stream.trim(name, {
        keepCount: flags.keep,
        before: flags.before,
        maxAgeSeconds: flags.maxAge,
        maxBytes: flags.maxBytes,
        dryRun: flags.dryRun === true,
      });
      print(io, flags, result, () => `${flags.dryRun === true ? 'would remove' : 'removed'} ` +
        `${result.removed}, first sequence left ${result.firstSeq}\n`);
    }));
}

async function tail(io: CliIo, flags: RemoteOptions & { count?: number; follow?: boolean },
  client: FloClient, name: string): Promise<void> {
  const count = Math.min(1000, Math.max(1, flags.count ?? 10));
  let next = 1;
  try {
    const info = await client.stream.info(name);
    next = Math.max(info.first.sequence, info.last.sequence - count + 1, 1);
  } catch (error) {
    // A stream that does not exist yet tails as empty; --follow waits for its records.
    if (!(error instanceof FloNotFoundError && flags.follow === true)) throw error;
  }
  const shape = { lines: flags.follow === true };
  const records = await client.stream.read(name, { start: next, count });
  printRecords(io, flags, records, shape);
  if (flags.follow !== true) return;
  next = (records.at(-1)?.sequence ?? next - 1) + 1;
  const signal = io.signal ?? interruptSignal();
  // Stopping closes the client, which ends the read waiting at that moment.
  const stop = (): void => void client.close();
  signal.addEventListener('abort', stop, { once: true });
  try {
    while (!signal.aborted) {
      const fresh = await client.stream.read(name, { start: next, blockMs: FOLLOW_BLOCK_MS });
      if (fresh.length === 0) continue;
      printRecords(io, flags, fresh, { ...shape, header: false });
      next = fresh.at(-1)!.sequence + 1;
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  } finally {
    signal.removeEventListener('abort', stop);
  }
}

/** Aborted at the first SIGINT (Ctrl-C) of the process. */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  return controller.signal;
}

async function listStreams(io: CliIo, flags: RemoteOptions & { limit?: number },
  client: FloClient, prefix: string): Promise<void> {
  const rows = (await allPages((cursor) =>
    client.stream.list(prefix, { limit: flags.limit, cursor })))
    .map((item) => ({ name: textOf(item.name), partitionCount: item.partitionCount }));
  print(io, flags, rows, () => formatTable(['stream', 'partitions'],
    rows.map((row) => [row.name, String(row.partitionCount)])));
}
