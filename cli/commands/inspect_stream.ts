// `flo inspect stream <dir> <name>`: a read-only summary of one stream in a stream store
// directory — settings, partitions with their segments, record counts and sequence ranges,
// and consumer groups with cursor, pending, dead letters and lag. Damage is reported with
// where and what, exit code 1.

import type { Command } from 'commander';
import { inspectStream, NodeFs, type StreamInspection } from '../../engine/mod.ts';
import { formatTable, printJson, type CliIo } from '../output.ts';
import { formatTimestamp } from '../bytes_format.ts';

/** Adds the `stream` subcommand to `flo inspect`. */
export function registerInspectStream(inspect: Command, io: CliIo): void {
  inspect.command('stream <dir> <name>')
    .description('summarize one stream: partitions, segments, groups with lag and pending')
    .option('--namespace <ns>', 'the stream\'s namespace', 'default')
    .option('--json', 'print JSON')
    .action((dir: string, name: string, options: { namespace: string; json?: boolean }) => {
      const result = inspectStream(new NodeFs(), dir, options.namespace, name);
      if (result === null) {
        io.err(`flo inspect stream: no stream "${name}" in namespace "${options.namespace}" ` +
          `under ${dir}\n`);
        io.exitCode = 1;
        return;
      }
      if (options.json) printJson(io, result);
      else io.out(renderStream(result));
      const damaged = result.journal.problems.length > 0 ||
        result.partitions.some((partition) => partition.problems.length > 0 ||
          partition.log.gaps.length > 0 ||
          partition.log.segments.some((segment) => segment.problem !== null));
      if (damaged) io.exitCode = 1;
    });
}

function renderStream(result: StreamInspection): string {
  const { retention } = result.settings;
  let text = `stream "${result.name}" (namespace "${result.namespace}") in ${result.dir}\n` +
    `created ${formatTimestamp(result.createdAtMs)}, ${result.settings.partitionCount} ` +
    `partitions, retention: records ${retention.maxRecords || '∞'}, age ` +
    `${retention.maxAgeMs === 0 ? '∞' : `${retention.maxAgeMs} ms`}, bytes ` +
    `${retention.maxBytes || '∞'}\n` +
    `journal: checkpoint at event ${result.journal.checkpointOffset}, ` +
    `${result.journal.eventsReplayed} events after it, sequences reserved up to ` +
    `${result.journal.reservedSequence}, trimmed below ${result.journal.trimSequence}\n\n`;
  text += formatTable(['partition', 'segments', 'records', 'sequences', 'file bytes', 'status'],
    result.partitions.map((partition) => [
      String(partition.partition), String(partition.log.segments.length),
      String(partition.records),
      partition.records === 0 ? '-' : `${partition.firstSequence}-${partition.lastSequence}`,
      String(partition.log.totalBytes),
      [...partition.problems, ...partition.log.gaps,
        ...partition.log.segments.filter((s) => s.problem !== null)
          .map((s) => `${s.file} byte ${s.problem!.position}: ${s.problem!.reason}`),
      ].join('; ') || 'ok',
    ]));
  text += '\n' + formatTable(['partition', 'segment', 'offsets', 'records', 'bytes',
    'offset index', 'time index'], result.partitions.flatMap((partition) =>
    partition.log.segments.map((segment) => [
      String(partition.partition), segment.file,
      segment.recordCount === 0 ? '-' : `${segment.baseOffset}-${segment.nextOffset - 1}`,
      String(segment.recordCount), String(segment.sizeBytes), segment.offsetIndex,
      segment.timeIndex,
    ])));
  text += '\n';
  text += result.groups.length === 0 ? 'no consumer groups\n' : formatTable(
    ['group', 'cursor', 'pending', 'dead-lettered', 'lag', 'ack timeout ms', 'max deliver',
      'consumers (pending)'],
    result.groups.map((group) => [
      group.name, String(group.cursorSequence), String(group.pending),
      String(group.deadLettered), String(group.lag), String(group.ackTimeoutMs),
      group.maxDeliver === 0 ? '∞' : String(group.maxDeliver),
      group.consumers.map((consumer) => `${consumer.name} (${consumer.pending})`).join(', '),
    ]));
  for (const problem of result.journal.problems) text += `JOURNAL PROBLEM: ${problem}\n`;
  return text;
}
