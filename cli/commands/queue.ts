// `flo queue …`: the work queues of a running server, through FloClient: enqueue, dequeue,
// peek, ack, nack, stats, purge, list and the dead-letter queue (dlq list|requeue|delete).
// Payloads are UTF-8 text (or hex with --hex) and print as text when printable, hex
// otherwise; --json prints what scripts need exactly (payloads as {utf8} or {hex}).

import { Buffer } from 'node:buffer';
import type { Command } from 'commander';
import type { FloClient, QueueMessage } from '../../client/mod.ts';
import { describeBytes, formatTimestamp, jsonBytes } from '../bytes_format.ts';
import { formatTable, type CliIo } from '../output.ts';
import {
  allPages, integer, integers, payloadOf, print, remote, withClient, type RemoteOptions, type Run,
} from './remote.ts';

interface EnqueueFlags extends RemoteOptions {
  priority?: number;
  delayMs?: number;
  dedupKey?: string;
  maxRetries?: number;
  hex?: boolean;
}

interface DequeueFlags extends RemoteOptions {
  count?: number;
  blockMs?: number;
  visibilityMs?: number;
}

/** Adds `flo queue` and its subcommands. */
export function registerQueue(program: Command, io: CliIo): void {
  const queue = program.command('queue').description('work queues on a running server');
  const run = (options: RemoteOptions, work: (client: FloClient) => Promise<void>) =>
    withClient(io, options, work);

  remote(queue.command('enqueue <queue> <payload...>'))
    .description('add messages (several payloads go in one atomic batch); prints their seqs')
    .option('--priority <n>', '0-255, lower is dequeued first (default 0)', integer)
    .option('--delay-ms <ms>', 'ready only after this long', integer)
    .option('--dedup-key <key>', 'within the dedup window, a repeat adds nothing (one payload)')
    .option('--max-retries <n>', 'deliveries allowed = n + 1 (default: the queue\'s)', integer)
    .option('--hex', 'payloads are hex bytes')
    .action((name: string, payloads: string[], flags: EnqueueFlags) => run(flags, async (c) => {
      const options = {
        priority: flags.priority,
        delayMs: flags.delayMs,
        maxRetries: flags.maxRetries,
      };
      const bytes = payloads.map((payload) => payloadOf(payload, flags.hex));
      const seqs = bytes.length === 1
        ? [await c.queue.enqueue(name, bytes[0]!, { ...options,
          dedupKey: flags.dedupKey })]
        : await c.queue.enqueueBatch(name, bytes, options);
      print(io, flags, { seqs }, () => `${seqs.join('\n')}\n`);
    }));

  remote(queue.command('dequeue <queue>'))
    .description('lease ready messages (ack them, or they come back when the lease ends)')
    .option('--count <n>', 'messages wanted, 1-100 (default 1)', integer)
    .option('--block-ms <ms>', 'wait this long for a message (at most 300000)', integer)
    .option('--visibility-ms <ms>', 'lease length (default: the server\'s, 30000)', integer)
    .action((name: string, flags: DequeueFlags) => run(flags, async (c) => {
      const messages = await c.queue.dequeue(name, {
        count: flags.count ?? 1,
        blockMs: flags.blockMs,
        visibilityTimeoutMs: flags.visibilityMs,
      });
      printMessages(io, flags, messages);
    }));

  remote(queue.command('peek <queue>'))
    .description('show the next ready messages without leasing them')
    .option('--count <n>', 'messages wanted, 1-100 (default 1)', integer)
    .action((name: string, flags: RemoteOptions & { count?: number }) => run(flags, async (c) =>
      printMessages(io, flags, await c.queue.peek(name, { count: flags.count ?? 1 }))));

  remote(queue.command('ack <queue> <seq...>'))
    .description('acknowledge delivered messages: they are removed for good')
    .action((name: string, seqs: string[], flags: RemoteOptions) => run(flags, async (c) => {
      await c.queue.ack(name, integers(seqs));
      printDone(io, flags);
    }));

  remote(queue.command('nack <queue> <seq...>'))
    .description('give leased messages back: ready again, or to the DLQ when out of retries')
    .option('--dlq', 'send them straight to the dead-letter queue')
    .option('--delay-ms <ms>', 'ready again only after this long', integer)
    .action((name: string, seqs: string[], flags: RemoteOptions & { dlq?: boolean;
      delayMs?: number }) => run(flags, async (c) => {
      await c.queue.nack(name, integers(seqs), { toDlq: flags.dlq === true,
        delayMs: flags.delayMs });
      printDone(io, flags);
    }));

  addInfoCommands(queue, io, run);
  registerDlq(queue, io, run);
}


function addInfoCommands(queue: Command, io: CliIo, run: Run): void {
  remote(queue.command('stats <queue>'))
    .description('counters since the queue was first used, and messages by state now')
    .action((name: string, flags: RemoteOptions) => run(flags, async (c) => {
      const stats = await c.queue.stats(name);
      print(io, flags, stats, () => formatTable(['stat', 'value'],
        Object.entries(stats).map(([key, value]) => [key, String(value)])));
    }));

  remote(queue.command('purge <queue>'))
    .description('remove every delayed, ready and leased message (the DLQ stays)')
    .action((name: string, flags: RemoteOptions) => run(flags, async (c) => {
      const removed = await c.queue.purge(name);
      print(io, flags, { removed }, () => `removed ${removed}\n`);
    }));

  remote(queue.command('list [prefix]'))
    .description('queues of the namespace (every page), with their message counts')
    .option('--limit <n>', 'queues per request, 1-1000 (default 100)', integer)
    .action((prefix: string | undefined, flags: RemoteOptions & { limit?: number }) =>
      run(flags, async (c) => listQueues(io, flags, c, prefix ?? '')));
}

function registerDlq(queue: Command, io: CliIo, run: Run): void {
  const dlq = queue.command('dlq').description('the dead-letter queue of a queue');
  remote(dlq.command('list <queue>'))
    .description('dead-lettered messages in seq order; deliveries are those made before')
    .option('--limit <n>', 'messages wanted, 1-1000 (default 100)', integer)
    .action((name: string, flags: RemoteOptions & { limit?: number }) => run(flags, async (c) =>
      printMessages(io, flags, await c.queue.dlqList(name,
        { limit: flags.limit }))));
  remote(dlq.command('requeue <queue> <seq...>'))
    .description('send dead-lettered messages back to ready, their deliveries reset')
    .action((name: string, seqs: string[], flags: RemoteOptions) => run(flags, async (c) => {
      await c.queue.dlqRequeue(name, integers(seqs));
      printDone(io, flags);
    }));
  remote(dlq.command('delete <queue> <seq...>'))
    .description('drop dead-lettered messages')
    .action((name: string, seqs: string[], flags: RemoteOptions) => run(flags, async (c) => {
      await c.queue.dlqDelete(name, integers(seqs));
      printDone(io, flags);
    }));
}

async function listQueues(io: CliIo, flags: RemoteOptions & { limit?: number },
  client: FloClient, prefix: string): Promise<void> {
  const rows = await allPages((cursor) =>
    client.queue.list(prefix, { limit: flags.limit, cursor }));
  const named = rows.map((row) => ({ ...row, name: Buffer.from(row.name).toString('utf8') }));
  print(io, flags, named, () => formatTable(
    ['queue', 'pending', 'available', 'enqueued', 'dequeued', 'dlq'],
    named.map((row) => [row.name, ...[row.pending, row.available, row.enqueued, row.dequeued,
      row.dlq].map(String)])));
}

function printMessages(io: CliIo, flags: RemoteOptions, messages: readonly QueueMessage[]) {
  const json = messages.map((message) => ({ ...message, payload: jsonBytes(message.payload) }));
  print(io, flags, json, () => messages.length === 0 ? '(no messages)\n' : formatTable(
    ['seq', 'deliveries', 'priority', 'enqueued', 'payload'],
    messages.map((message) => [String(message.seq), String(message.deliveryCount),
      String(message.priority), formatTimestamp(message.enqueuedAtMs),
      describeBytes(message.payload)])));
}

function printDone(io: CliIo, flags: RemoteOptions): void {
  print(io, flags, { ok: true }, () => 'ok\n');
}
