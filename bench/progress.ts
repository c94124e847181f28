// Progress display for flo-bench: a redrawn bar on a TTY for phases longer than a second,
// plain start/end lines otherwise (CI logs). No dependency: one line of ANSI-free text.

export interface Progress {
  /** A phase begins; `total` units are expected (0 when unknown). */
  start(label: string, total: number): void;
  /** `done` units are finished so far. */
  update(done: number): void;
  /** The phase ended; `summary` is printed on its line. */
  finish(summary: string): void;
  /** A line of text (between phases). */
  note(text: string): void;
}

export function createProgress(stream: NodeJS.WriteStream, quiet = false): Progress {
  const tty = stream.isTTY === true && !quiet;
  let label = '';
  let total = 0;
  let startedMs = 0;
  let drawnMs = 0;
  const write = (text: string): void => {
    if (!quiet) stream.write(text);
  };
  return {
    start(nextLabel, nextTotal) {
      label = nextLabel;
      total = nextTotal;
      startedMs = performance.now();
      drawnMs = 0;
      if (!tty) write(`… ${label}\n`);
    },
    update(done) {
      if (!tty) return;
      const nowMs = performance.now();
      if (nowMs - startedMs < 1000 || nowMs - drawnMs < 100) return;
      drawnMs = nowMs;
      const fraction = total > 0 ? Math.min(1, done / total) : 0;
      const width = 30;
      const filled = Math.round(fraction * width);
      const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
      write(`\r[${bar}] ${(fraction * 100).toFixed(0).padStart(3)}% ${label}`);
    },
    finish(summary) {
      if (tty) write(`\r${' '.repeat(label.length + 40)}\r`);
      write(`✓ ${label}: ${summary}\n`);
    },
    note(text) {
      write(`${text}\n`);
    },
  };
}
