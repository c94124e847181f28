// `flo inspect table <file> [--entries] [--json]`: prints what engine's inspectTable finds
// in a sorted table file: properties, every block (offset, sizes, compression, CRC) and,
// with --entries, every entry. A damaged table is reported (where, what) on stdout like the
// rest, never as a stack trace, and the exit code is 1. Registered by cli/commands/inspect.ts;
// bytes are shown and put in JSON as in cli/bytes_format.ts.

import type { Command } from 'commander';
import { NodeFs, inspectTable } from '../../engine/mod.ts';
import type { TableInspection, TableProperties } from '../../engine/mod.ts';
import { describeBytes, formatTimestamp, jsonBytes } from '../bytes_format.ts';
import { formatTable, printJson } from '../output.ts';
import type { CliIo } from '../output.ts';

/** Adds `table <file>` to the `flo inspect` family (cli/commands/inspect.ts). */
export function addInspectTable(inspect: Command, io: CliIo): void {
  inspect.command('table <file>')
    .description('show a sorted table: properties, blocks, entries; verify every CRC')
    .option('--entries', 'print every entry too')
    .option('--json', 'print JSON')
    .action((file: string, options: { entries?: boolean; json?: boolean }) => {
      const report = inspectTable(new NodeFs(), file, { entries: options.entries ?? false });
      if (options.json) printJson(io, tableJson(report));
      else io.out(renderTableInspection(report));
      if (!report.ok) io.exitCode = 1;
    });
}

/** The report as text. */
export function renderTableInspection(report: TableInspection): string {
  const verdict = report.ok ? 'ok' : `${report.problems.length} problem(s)`;
  const version = report.formatVersion === null
    ? 'unknown format'
    : `format v${report.formatVersion}`;
  let out = `table ${report.path}: ${report.fileSizeBytes} bytes, ${version}, ${verdict}\n`;
  if (report.properties !== null) out += formatProperties(report.properties);
  if (report.blocks.length > 0) {
    out += '\nblocks\n';
    out += indent(formatTable(
      ['kind', 'index', 'offset', 'stored', 'payload', 'compression', 'crc', 'entries'],
      report.blocks.map((block) => [
        block.kind, block.blockIndex === null ? '-' : String(block.blockIndex),
        String(block.offsetBytes), String(block.storedBytes), show(block.payloadBytes),
        block.compression, block.crcOk ? 'ok' : 'BAD', show(block.entryCount),
      ]),
    ));
  }
  if (report.entries !== null) {
    out += `\nentries (${report.entries.length})\n`;
    out += indent(formatTable(['block', 'key', 'seq', 'kind', 'value'],
      report.entries.map((entry) => [
        String(entry.blockIndex), describeBytes(entry.key), String(entry.seq), entry.kind,
        entry.kind === 'tombstone' ? '-' : describeBytes(entry.value),
      ])));
  }
  if (report.problems.length > 0) {
    out += '\nproblems\n';
    for (const problem of report.problems) {
      out += `  at offset ${problem.offsetBytes}: ${problem.what}\n`;
    }
  }
  return out;
}

function formatProperties(p: TableProperties): string {
  const lines = [
    `entries ${p.entryCount} (${p.tombstoneCount} tombstones), seqs ${p.smallestSeq}..` +
      `${p.largestSeq}, keys ${describeBytes(p.smallestKey)}..${describeBytes(p.largestKey)}`,
    `data blocks ${p.dataBlockCount} (${p.compressedBlockCount} LZ4), ${p.dataBytes} bytes ` +
      `stored, ${p.uncompressedDataBytes} uncompressed; raw keys ${p.rawKeyBytes} bytes, ` +
      `raw values ${p.rawValueBytes} bytes`,
    `created ${formatTimestamp(p.creationTimeMs)}, block target ${p.blockBytesTarget}` +
      ` bytes, restart interval ${p.restartInterval}, bloom ${p.bloomBitsPerKey} bits/key`,
  ];
  return `\nproperties\n${lines.map((line) => `  ${line}\n`).join('')}`;
}

function show(value: number | null): string {
  return value === null ? '-' : String(value);
}

function indent(text: string): string {
  return text.split('\n').map((line) => (line.length > 0 ? `  ${line}` : line)).join('\n');
}

/** The report for --json: byte strings as {utf8} or {hex} (cli/bytes_format.ts). */
export function tableJson(report: TableInspection): unknown {
  const { properties, entries, ...rest } = report;
  return {
    ...rest,
    properties: properties === null ? null : {
      ...properties,
      smallestKey: jsonBytes(properties.smallestKey),
      largestKey: jsonBytes(properties.largestKey),
    },
    entries: entries === null ? null : entries.map((entry) => ({
      ...entry, key: jsonBytes(entry.key), value: jsonBytes(entry.value),
    })),
  };
}
