// Progress display for flo-bench: on a TTY, a bar redrawn in place (at most every 100 ms)
// once a phase has run for a second, so short phases leave no flicker; elsewhere (CI logs,
// pipes) plain lines, one when a phase starts and one when it ends. A phase whose total is
// unknown shows its count and elapsed time instead of a bar. No dependency: plain text with
// a carriage return, which every terminal understands. Tests pass a clock.

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

/** What createProgress writes to: a stream, maybe a terminal. */
export interface ProgressSink {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

const BAR_AFTER_MS = 1000;
const REDRAW_EVERY_MS = 100;
const BAR_WIDTH = 30;

export function createProgress(stream: ProgressSink, quiet = false,
  nowMs: () => number = () => performance.now()): Progress {
  const tty = stream.isTTY === true && !quiet;
  let label = '';
  let total = 0;
  let startedMs = 0;
  let drawnMs = 0;
  let drawnChars = 0;
  const write = (text: string): void => {
    if (!quiet) stream.write(text);
  };
  const draw = (done: number, elapsedMs: number): string => {
    const seconds = `${(elapsedMs / 1000).toFixed(0)} s`;
    if (total <= 0) return `${label}: ${done.toLocaleString('en-US')} so far, ${seconds}`;
    const fraction = Math.min(1, done / total);
    const filled = Math.round(fraction * BAR_WIDTH);
    return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ` +
      `${(fraction * 100).toFixed(0).padStart(3)}% ${label} (${seconds})`;
  };
  return {
    start(nextLabel, nextTotal) {
      label = nextLabel;
      total = nextTotal;
      startedMs = nowMs();
      drawnMs = 0;
      drawnChars = 0;
      if (!tty) write(`… ${label}\n`);
    },
    update(done) {
      if (!tty) return;
      const atMs = nowMs();
      if (atMs - startedMs < BAR_AFTER_MS || atMs - drawnMs < REDRAW_EVERY_MS) return;
      drawnMs = atMs;
      const line = draw(done, atMs - startedMs);
      write(`\r${line.padEnd(drawnChars)}`);
      drawnChars = line.length;
    },
    finish(summary) {
      if (tty && drawnChars > 0) write(`\r${' '.repeat(drawnChars)}\r`);
      drawnChars = 0;
      write(`✓ ${label}: ${summary}\n`);
    },
    note(text) {
      write(`${text}\n`);
    },
  };
}
