// `flo inspect kv <dir> [--json]`: what engine's inspectDb finds in a KV store's LSM
// directory: the manifest, every level with its tables (sizes, entries, seq and key
// ranges), the WAL's segments and where replay starts, orphan files and problems. <dir> is
// the KV directory or a Flo data directory holding kv/. Read-only; a damaged store is
// reported (exit code 1), never as a stack trace. Registered by cli/commands/inspect.ts.

import type { Command } from 'commander';
import { NodeFs, inspectDb, type DbInspection } from '../../engine/mod.ts';
import { describeBytes, jsonBytes } from '../bytes_format.ts';
import { formatTable, printJson, type CliIo } from '../output.ts';

/** Adds `kv <dir>` to the `flo inspect` family (cli/commands/inspect.ts). */
export function addInspectKv(inspect: Command, io: CliIo): void {
  inspect.command('kv <dir>')
    .description('show a KV store on disk: levels, tables, sizes, seq ranges, WAL state')
    .option('--json', 'print JSON')
    .action((dir: string, options: { json?: boolean }) => {
      const fs = new NodeFs();
      const lsmDir = fs.stat(`${dir}/kv/CURRENT`) !== null ? `${dir}/kv` : dir;
      const report = inspectDb(fs, lsmDir);
      if (options.json) printJson(io, kvJson(report));
      else io.out(renderKv(report));
      if (!report.ok) io.exitCode = 1;
    });
}

/** The report as text. */
export function renderKv(report: DbInspection): string {
  const verdict = report.ok ? 'ok' : `${report.problems.length} problem(s)`;
  let out = `kv ${report.dir}: ${verdict}\n`;
  if (report.manifest !== null) {
    const m = report.manifest;
    out += `manifest ${m.name}: ${m.sizeBytes} bytes, ${m.edits} edits` +
      `${m.tornTail ? ' (torn tail, cut at next open)' : ''}\n`;
    out += `last seq ${report.lastSeq}, next file ${report.nextFileNumber}, ` +
      `${report.totalTables} tables, ${report.totalTableBytes} bytes` +
      `${report.seqRange === null ? '' : `, seqs ${report.seqRange.join('..')}`}\n`;
  }
  const tables = report.levels.flatMap((level) => level.tables);
  if (tables.length > 0) {
    out += '\nlevels\n';
    out += formatTable(['level', 'tables', 'bytes', 'entries'], report.levels
      .filter((level) => level.tables.length > 0)
      .map((level) => [`L${level.level}`, String(level.tables.length), String(level.bytes),
        String(level.entries)]));
    out += '\ntables\n';
    const columns = ['level', 'file', 'bytes', 'entries', 'seqs', 'keys'];
    out += formatTable(columns, tables.map((t) => [
      `L${t.level}`, t.file, t.fileSizeBytes === null ? `${t.sizeBytes} (MISSING)`
        : String(t.sizeBytes), String(t.entryCount), `${t.smallestSeq}..${t.largestSeq}`,
      `${describeBytes(t.smallestKey)}..${describeBytes(t.largestKey)}`,
    ]));
  }
  if (report.wal !== null) {
    const wal = report.wal;
    out += `\nWAL: ${wal.segments.length} segments, ${wal.totalRecords} records, ` +
      `${wal.totalBytes} bytes; replay starts at offset ${report.walOffset}\n`;
    out += formatTable(['segment', 'offsets', 'records', 'bytes', 'batches'], wal.segments.map(
      (segment) => [segment.file, `${segment.baseOffset}-${segment.nextOffset - 1}`,
        String(segment.recordCount), String(segment.sizeBytes), segment.problem === null ? 'ok'
          : `byte ${segment.problem.position}: ${segment.problem.reason}`]));
  }
  if (report.orphans.length > 0) {
    out += `\norphans (deleted at next open): ${report.orphans.join(', ')}\n`;
  }
  for (const problem of report.problems) out += `PROBLEM: ${problem}\n`;
  return out;
}

/** The report for --json: keys as {utf8} or {hex} (cli/bytes_format.ts). */
export function kvJson(report: DbInspection): unknown {
  return {
    ...report,
    levels: report.levels.map((level) => ({
      ...level,
      tables: level.tables.map((table) => ({ ...table,
        smallestKey: jsonBytes(table.smallestKey), largestKey: jsonBytes(table.largestKey) })),
    })),
  };
}
