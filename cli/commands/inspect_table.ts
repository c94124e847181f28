// `flo inspect table <file> [--entries] [--json]`: prints what engine's inspectTable finds
// in a sorted table file: properties, every block (offset, sizes, compression, CRC) and,
// with --entries, every entry. A damaged table is reported (where, what) on stdout like the
// rest, never as a stack trace, and the exit code is 1. With --json every byte string is
// hex (`…Hex` fields), so the output is exact whatever the keys hold.

import { CommanderError } from 'commander';
import type { Command } from 'commander';
import { NodeFs, inspectTable } from '../../engine/mod.ts';
import type { TableInspection, TableProperties } from '../../engine/mod.ts';
import { formatTable, printJson } from '../output.ts';
import type { CliIo } from '../output.ts';

const VALUE_SHOWN_BYTES = 48;

interface InspectTableFlags {
  entries?: boolean;
  json?: boolean;
}

/** Adds `inspect table` to the program (creating the `inspect` family if needed). */
export function registerInspectTable(program: Command, io: CliIo): void {
  const inspect = program.commands.find((command) => command.name() === 'inspect') ??
    program.command('inspect').description('Read and verify Flo files on disk.');
  inspect
    .command('table')
    .description('Show and verify a sorted table file (docs/format/table.md).')
    .argument('<file>', 'the table file')
    .option('--entries', 'also list every entry')
    .option('--json', 'print JSON instead of text')
    .action((file: string, flags: InspectTableFlags) => {
      const report = inspectTable(new NodeFs(), file, { entries: flags.entries ?? false });
      if (flags.json) printJson(io, toJson(report));
      else io.out(formatReport(report));
      if (!report.ok) throw new CommanderError(1, 'flo.inspect.corrupt', '');
    });
}

/** The report as text. */
export function formatReport(report: TableInspection): string {
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
        String(entry.blockIndex), renderBytes(entry.key), String(entry.seq), entry.kind,
        entry.kind === 'tombstone' ? '-' : renderBytes(entry.value),
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
      `${p.largestSeq}, keys ${renderBytes(p.smallestKey)}..${renderBytes(p.largestKey)}`,
    `data blocks ${p.dataBlockCount} (${p.compressedBlockCount} LZ4), ${p.dataBytes} bytes ` +
      `stored, ${p.uncompressedDataBytes} uncompressed; raw keys ${p.rawKeyBytes} bytes, ` +
      `raw values ${p.rawValueBytes} bytes`,
    `created ${new Date(p.creationTimeMs).toISOString()}, block target ${p.blockBytesTarget}` +
      ` bytes, restart interval ${p.restartInterval}, bloom ${p.bloomBitsPerKey} bits/key`,
  ];
  return `\nproperties\n${lines.map((line) => `  ${line}\n`).join('')}`;
}

// Printable ASCII as a quoted string, anything else as hex; long values are cut short.
function renderBytes(bytes: Uint8Array): string {
  const shown = bytes.subarray(0, VALUE_SHOWN_BYTES);
  const more = bytes.length > VALUE_SHOWN_BYTES ? `... (${bytes.length} bytes)` : '';
  const printable = shown.every((byte) => byte >= 0x20 && byte < 0x7f);
  if (printable) return `${JSON.stringify(Buffer.from(shown).toString('latin1'))}${more}`;
  return `0x${Buffer.from(shown).toString('hex')}${more}`;
}

function show(value: number | null): string {
  return value === null ? '-' : String(value);
}

function indent(text: string): string {
  return text.split('\n').map((line) => (line.length > 0 ? `  ${line}` : line)).join('\n');
}

/** The report with byte strings as hex, for --json. */
export function toJson(report: TableInspection): unknown {
  const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
  const { properties, entries, ...rest } = report;
  return {
    ...rest,
    properties: properties === null ? null : {
      ...withoutKeys(properties),
      smallestKeyHex: hex(properties.smallestKey),
      largestKeyHex: hex(properties.largestKey),
    },
    entries: entries === null ? null : entries.map(({ key, value, ...entry }) => ({
      ...entry, keyHex: hex(key), valueHex: hex(value),
    })),
  };
}

function withoutKeys(properties: TableProperties): Record<string, number> {
  const { smallestKey, largestKey, ...numbers } = properties;
  void smallestKey;
  void largestKey;
  return numbers;
}
