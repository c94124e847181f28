// Failpoints (after bbolt's gofail): named places in the code where a test can make something
// happen, usually a simulated crash. `failpoint(name)` does nothing unless a test has armed
// that name, so production pays one Map lookup on an empty map.
//
// Names in use (keep this list current):
//   log.roll.before-create   log.roll.after-create   log.seal.before-index-sync

import { assert } from '../assert.ts';

/** Thrown by an armed failpoint to simulate the process dying at that point. */
export class SimulatedCrash extends Error {
  constructor(name: string) {
    super(`simulated crash at failpoint "${name}"`);
    this.name = 'SimulatedCrash';
  }
}

const armed = new Map<string, () => void>();

/** Runs the action armed for `name`, if any. */
export function failpoint(name: string): void {
  if (armed.size === 0) return;
  const action = armed.get(name);
  if (action !== undefined) action();
}

/** Arms `name`; by default the failpoint throws SimulatedCrash. Returns a disarm function. */
export function armFailpoint(name: string, action?: () => void): () => void {
  assert(!armed.has(name), `failpoint "${name}" is already armed`);
  const run = action ?? ((): void => {
    throw new SimulatedCrash(name);
  });
  armed.set(name, run);
  return () => {
    armed.delete(name);
  };
}

/** Disarms every failpoint (test teardown). */
export function disarmAllFailpoints(): void {
  armed.clear();
}
