// Where CLI commands write, and how: human-readable by default, JSON with --json. Commands
// receive a CliIo so tests capture output instead of reading the process streams.

/** Where a command writes. Tests pass collectors; the binary passes stdout and stderr. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** The exit code the command wants (0 unless it found a problem). */
  exitCode: number;
  /** Stops commands that run until interrupted (tail --follow); default: the first SIGINT. */
  signal?: AbortSignal;
}

/** The process's stdout and stderr. */
export function processIo(): CliIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    exitCode: 0,
  };
}

/** An io that collects output in strings (tests). */
export function collectingIo(): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    exitCode: 0,
    out(text: string): void {
      io.stdout += text;
    },
    err(text: string): void {
      io.stderr += text;
    },
  };
  return io;
}

/** Writes `value` as pretty JSON followed by a newline. */
export function printJson(io: CliIo, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Formats rows as a left-aligned text table with a header line. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}
