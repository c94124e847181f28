// `flo stream group …`: consumer groups of a running server: create, read (a stream name
// ending in `*` reads every stream with that prefix), ack, nack, pending, info, claim and
// delete. Ids are SEQ or TIMESTAMP_MS-SEQ (groups match them by sequence). Registered by
// stream.ts; records print as `flo stream read` prints them (record_format.ts).

import type { Command } from 'commander';
import type { StreamId } from '../../client/mod.ts';
import { formatTable, type CliIo } from '../output.ts';
import { integer, print, remote, streamId, type RemoteOptions, type Run } from './remote.ts';
import { printRecords, recordJson } from './record_format.ts';


interface CreateFlags extends RemoteOptions {
  ackTimeoutMs?: number;
  maxDeliver?: number;
  from?: StreamId;
  tail?: boolean;
}

interface ClaimFlags extends RemoteOptions {
  minIdleMs?: number;
  from?: StreamId;
  count?: number;
}

/** Adds `flo stream group` and its subcommands to `stream`. */
export function registerStreamGroup(stream: Command, io: CliIo, run: Run): void {
  const group = stream.command('group').description('consumer groups of a stream');
  const done = (flags: RemoteOptions): void => print(io, flags, { ok: true }, () => 'ok\n');
  const ids = (texts: readonly string[]): StreamId[] => texts.map(streamId);

  remote(group.command('create <stream> <group>'))
    .description('create a group (an existing one takes the given settings, keeps its place)')
    .option('--ack-timeout-ms <ms>', 'redeliver records unacked this long (default 30000)',
      integer)
    .option('--max-deliver <n>', 'deliveries before dead-lettering, 0 unlimited (default 10)',
      integer)
    .option('--from <id>', 'deliver records from this position on (default: the oldest)',
      streamId)
    .option('--tail', 'deliver only records appended from now on')
    .action((name: string, groupName: string, flags: CreateFlags) => run(flags, async (c) => {
      await c.stream.group.create(name, groupName, {
        ackTimeoutMs: flags.ackTimeoutMs,
        maxDeliver: flags.maxDeliver,
        start: flags.from,
        tail: flags.tail,
      });
      done(flags);
    }));

  remote(group.command('read <stream> <group> <consumer>'))
    .description('deliver records to a consumer: redeliveries first, then new records')
    .option('--count <n>', 'records wanted, 1-1000 (default 10)', integer)
    .option('--block-ms <ms>', 'wait this long for a record', integer)
    .option('--no-ack', 'deliver without keeping them pending (at most once)')
    .action((name: string, groupName: string, consumer: string,
      flags: RemoteOptions & { count?: number; blockMs?: number; ack: boolean }) =>
      run(flags, async (c) => printRecords(io, flags, await c.stream.group.read(name, groupName,
        consumer, {
          count: flags.count,
          blockMs: flags.blockMs,
          noAck: !flags.ack,
        }))));

  remote(group.command('ack <stream> <group> <id...>'))
    .description('acknowledge delivered records (whichever consumer holds them)')
    .action((name: string, groupName: string, texts: string[], flags: RemoteOptions) =>
      run(flags, async (c) => {
        await c.stream.group.ack(name, groupName, ids(texts));
        done(flags);
      }));

  remote(group.command('nack <stream> <group> <id...>'))
    .description('make delivered records redeliverable (to any consumer)')
    .option('--delay-ms <ms>', 'redeliverable only after this long', integer)
    .action((name: string, groupName: string, texts: string[],
      flags: RemoteOptions & { delayMs?: number }) => run(flags, async (c) => {
      await c.stream.group.nack(name, groupName, ids(texts),
        { redeliveryDelayMs: flags.delayMs });
      done(flags);
    }));

  addGroupAdmin(group, io, run, done);
}

function addGroupAdmin(group: Command, io: CliIo, run: Run,
  done: (flags: RemoteOptions) => void): void {
  remote(group.command('pending <stream> <group>'))
    .description('delivered, unacknowledged records (the oldest 1000)')
    .option('--consumer <name>', 'only this consumer\'s')
    .action((name: string, groupName: string, flags: RemoteOptions & { consumer?: string }) =>
      run(flags, async (c) => {
        const entries = await c.stream.group.pending(name, groupName,
          { consumer: flags.consumer });
        print(io, flags, entries, () => entries.length === 0 ? '(nothing pending)\n'
          : formatTable(['id', 'deliveries', 'consumer'], entries.map((entry) => [
            `${entry.id.timestampMs}-${entry.id.sequence}`, String(entry.deliveryCount),
            entry.consumer])));
      }));

  remote(group.command('info <stream> <group>'))
    .description('position, counts, settings and consumers of a group')
    .action((name: string, groupName: string, flags: RemoteOptions) => run(flags, async (c) => {
      const info = await c.stream.group.info(name, groupName);
      print(io, flags, info, () => formatTable(['field', 'value'], [
        ['cursor', `${info.cursor.timestampMs}-${info.cursor.sequence}`],
        ['pending', String(info.pending)], ['dead-lettered', String(info.deadLettered)],
        ['ack timeout ms', String(info.ackTimeoutMs)],
        ['max deliver', info.maxDeliver === 0 ? 'unlimited' : String(info.maxDeliver)],
      ]) + (info.consumers.length === 0 ? '' : '\n' + formatTable(
        ['consumer', 'pending', 'idle ms'], info.consumers.map((consumer) =>
          [consumer.name, String(consumer.pending), String(consumer.idleMs)]))));
    }));

  remote(group.command('claim <stream> <group> <consumer>'))
    .description('take over pending records: the consumer\'s own, or others\' idle ones')
    .option('--min-idle-ms <ms>', 'take any consumer\'s records idle this long (default: ' +
      'only the consumer\'s own)', integer)
    .option('--from <id>', 'scan the pending list from this position', streamId)
    .option('--count <n>', 'records wanted, 1-1000 (default 100)', integer)
    .action((name: string, groupName: string, consumer: string, flags: ClaimFlags) =>
      run(flags, async (c) => {
        const result = await c.stream.group.claim(name, groupName, consumer, {
          minIdleMs: flags.minIdleMs,
          start: flags.from,
          count: flags.count,
        });
        if (flags.json === true) {
          print(io, flags, { records: result.records.map(recordJson), next: result.next },
            () => '');
          return;
        }
        printRecords(io, flags, result.records);
        io.out(result.next === null ? 'end of the pending list\n'
          : `next: ${result.next.timestampMs}-${result.next.sequence}\n`);
      }));

  remote(group.command('delete <stream> <group>'))
    .description('delete a group (its position and pending records)')
    .action((name: string, groupName: string, flags: RemoteOptions) => run(flags, async (c) => {
      await c.stream.group.delete(name, groupName);
      done(flags);
    }));
}
