// How `flo stream read|tail` and `flo stream group read|claim` print records: a table of
// id, time, partition, headers and payload (with a stream column when a pattern read spans
// streams; bytes as text when printable, hex otherwise), or JSON with bytes as {utf8} or
// {hex}: an array, or one object per line for tail --follow.

import { textOf, type StreamRecord } from '../../client/mod.ts';
import { describeBytes, formatTimestamp, jsonBytes } from '../bytes_format.ts';
import { formatTable, type CliIo } from '../output.ts';
import type { RemoteOptions } from './remote.ts';

/**
 * Prints records: a table (with a stream column when they span streams), or with --json an
 * array (`lines`: one JSON object per line, for tail --follow). `header: false` leaves out
 * the table's header row (the rows a follow adds).
 */
export function printRecords(io: CliIo, flags: RemoteOptions,
  records: readonly StreamRecord[], shape: { lines?: boolean; header?: boolean } = {}): void {
  if (flags.json === true) {
    if (shape.lines !== true) {
      io.out(`${JSON.stringify(records.map(recordJson), null, 2)}\n`);
      return;
    }
    for (const record of records) io.out(`${JSON.stringify(recordJson(record))}\n`);
    return;
  }
  if (records.length === 0) {
    if (shape.header !== false) io.out('(no records)\n');
    return;
  }
  const streams = new Set(records.map((record) => textOf(record.stream)));
  const many = streams.size > 1;
  const rows = records.map((record) => [
    ...(many ? [textOf(record.stream)] : []),
    `${record.timestampMs}-${record.sequence}`, formatTimestamp(record.timestampMs),
    String(record.partition),
    record.headers.map(([key, value]) => `${describeBytes(key)}=${describeBytes(value)}`)
      .join(' '),
    describeBytes(record.payload),
  ]);
  const table = formatTable([...(many ? ['stream'] : []), 'id', 'time', 'partition', 'headers',
    'payload'], rows);
  io.out(shape.header === false ? table.slice(table.indexOf('\n') + 1) : table);
}

/** A record as JSON (bytes as {utf8} or {hex}). */
export function recordJson(record: StreamRecord) {
  return {
    stream: textOf(record.stream),
    sequence: record.sequence, timestampMs: record.timestampMs, partition: record.partition,
    headers: record.headers.map(([key, value]) => [jsonBytes(key), jsonBytes(value)]),
    payload: jsonBytes(record.payload),
  };
}
