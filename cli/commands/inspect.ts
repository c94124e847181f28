// `flo inspect …`: read-only looks at files on disk, through the engine's inspectors. Each
// storage format adds a subcommand here (segment, log, table, queue; stream in
// inspect_stream.ts; the LSM adds kv). Output is human-readable, or JSON with --json; a
// damaged file is reported (where, what) with exit code 1, never as a stack trace.

import { InvalidArgumentError, type Command } from 'commander';
import {
  inspectLog, inspectQueue, inspectSegment, NodeFs, type LogInspection, type QueueInspection,
  type SegmentInspection,
} from '../../engine/mod.ts';
import { formatTable, printJson, type CliIo } from '../output.ts';
import { describeBytes, formatTimestamp, jsonBytes } from '../bytes_format.ts';
import { addInspectTable } from './inspect_table.ts';
import { addInspectKv } from './inspect_kv.ts';
import { registerInspectStream } from './inspect_stream.ts';

/** Adds `flo inspect` and its storage subcommands. */
export function registerInspect(program: Command, io: CliIo): void {
  const inspect = program.command('inspect').description('inspect Flo files on disk (read-only)');
  inspect.command('segment <file>')
    .description('list the batches of one log segment and check every CRC')
    .option('--records', 'print every record too')
    .option('--json', 'print JSON')
    .action((file: string, options: { records?: boolean; json?: boolean }) => {
      const result = inspectSegment(new NodeFs(), file, { records: options.records ?? false });
      if (options.json) printJson(io, segmentJson(result));
      else io.out(renderSegment(result));
      if (result.problem !== null) io.exitCode = 1;
    });
  inspect.command('log <dir>')
    .description('summarize a log directory: segments, offset ranges, index health, totals')
    .option('--json', 'print JSON')
    .action((dir: string, options: { json?: boolean }) => {
      const result = inspectLog(new NodeFs(), dir);
      if (options.json) printJson(io, result);
      else io.out(renderLog(result));
      const damaged = result.segments.some((segment) => segment.problem !== null);
      if (damaged || result.gaps.length > 0) io.exitCode = 1;
    });
  addInspectTable(inspect, io);
  addInspectKv(inspect, io);
  registerInspectStream(inspect, io);
  inspect.command('queue <dir> <name>')
    .description('summarize one queue of a queue store: counts, oldest ages, DLQ, journal')
    .option('--namespace <ns>', 'the queue\'s namespace', 'default')
    .option('--dlq <n>', 'DLQ messages to list', dlqCount, 20)
    .option('--json', 'print JSON')
    .action(async (dir: string, name: string,
      options: { namespace: string; dlq: number; json?: boolean }) => {
      const result = await inspectQueue(new NodeFs(), dir, options.namespace, name,
        { nowMs: Date.now(), dlqLimit: options.dlq });
      if (options.json) printJson(io, result);
      else io.out(renderQueue(result));
      if (result.journal.tailProblem !== null) io.exitCode = 1;
    });
}

function dlqCount(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`expected a count, got "${text}"`);
  }
  return value;
}

function renderQueue(result: QueueInspection): string {
  const c = result.counters;
  const j = result.journal;
  const lines = [
    `queue ${result.namespace}/${result.name} (${result.dir})`,
    `  messages: ${result.ready} ready, ${result.delayed} delayed (${result.delayedDue} due), ` +
      `${result.leased} leased (${result.leasesExpired} past deadline), ${result.dlq} in DLQ`,
    `  oldest:   ready ${result.oldestReadyAgeMs} ms, leased ${result.oldestLeasedAgeMs} ms, ` +
      `DLQ ${result.oldestDlqAgeMs} ms`,
    `  counters: enqueued ${c.enqueued}, dequeued ${c.dequeued}, acked ${c.acked}, ` +
      `nacked ${c.nacked}, dead-lettered ${c.dlqTotal}, leases expired ${c.leasesExpired}`,
    `  seqs:     next ${result.nextSeq}, reserved up to ${result.reservedSeq}; ` +
      `${result.payloadBytes} payload bytes held`,
    `  journal:  offsets ${j.firstOffset}-${j.nextOffset}, ${j.segments} segments, ` +
      `${j.sizeBytes} bytes; checkpoint at ${j.checkpointOffset}, ${j.replayedEvents} events ` +
      `replayed`,
    `  settings: ${JSON.stringify(result.settings)}`,
  ];
  if (j.tailProblem !== null) lines.push(`  TORN TAIL: ${j.lostBytes} bytes (${j.tailProblem})`);
  let text = `${lines.join('\n')}\n`;
  if (result.dlqMessages.length > 0) {
    text += formatTable(['dlq seq', 'priority', 'deliveries', 'enqueued', 'bytes'],
      result.dlqMessages.map((m) => [String(m.seq), String(m.priority),
        String(m.deliveryCount), formatTimestamp(m.enqueuedAtMs), String(m.payloadBytes)]));
  }
  return text;
}

function segmentJson(result: SegmentInspection): unknown {
  return {
    ...result,
    batches: result.batches.map((batch) => ({
      ...batch,
      records: batch.records?.map((record) => ({
        offset: record.offset,
        timestampMs: record.timestampMs,
        key: record.key === null ? null : jsonBytes(record.key),
        value: jsonBytes(record.value),
        headers: record.headers.map(([name, value]) => [jsonBytes(name), jsonBytes(value)]),
      })),
    })),
  };
}

function renderSegment(result: SegmentInspection): string {
  const lines = [`segment ${result.file}: ${result.sizeBytes} bytes, ` +
    `${result.batches.length} batches, ${result.recordCount} records`];
  const rows = result.batches.map((batch) => [
    String(batch.position), `${batch.baseOffset}-${batch.lastOffset}`, String(batch.recordCount),
    formatTimestamp(batch.firstTimestampMs), formatTimestamp(batch.maxTimestampMs),
    String(batch.bytes), batch.compression, batch.crcOk ? 'ok' : 'BAD',
  ]);
  let text = `${lines.join('\n')}\n` + formatTable(
    ['position', 'offsets', 'count', 'first timestamp', 'max timestamp', 'bytes', 'compression',
      'crc'], rows);
  for (const batch of result.batches) {
    for (const record of batch.records ?? []) {
      const headers = record.headers.map(([name, value]) =>
        `${describeBytes(name)}=${describeBytes(value)}`).join(' ');
      const headerText = headers.length > 0 ? `  headers: ${headers}` : '';
      text += `  offset ${record.offset}  ${formatTimestamp(record.timestampMs)}  ` +
        `key=${record.key === null ? '(none)' : describeBytes(record.key)}  ` +
        `value=${describeBytes(record.value)}${headerText}\n`;
    }
  }
  if (result.problem !== null) {
    text += `PROBLEM at byte ${result.problem.position}: ${result.problem.reason}\n`;
  }
  return text;
}

function renderLog(result: LogInspection): string {
  const rows = result.segments.map((segment) => [
    segment.file, `${segment.baseOffset}-${segment.nextOffset - 1}`, String(segment.recordCount),
    String(segment.sizeBytes), segment.offsetIndex, segment.timeIndex,
    segment.problem === null ? 'ok' : `byte ${segment.problem.position}: ${segment.problem.reason}`,
  ]);
  let text = `log ${result.dir}: ${result.segments.length} segments, ` +
    `${result.totalRecords} records, ${result.totalBytes} bytes\n`;
  text += formatTable(['segment', 'offsets', 'records', 'bytes', 'offset index', 'time index',
    'batches'], rows);
  for (const gap of result.gaps) text += `GAP: ${gap}\n`;
  if (result.strayFiles.length > 0) text += `stray files: ${result.strayFiles.join(', ')}\n`;
  return text;
}
