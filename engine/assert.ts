// Assertions, on in production (TigerBeetle style). A failed assertion is a bug in Flo, never
// a condition a caller handles: it throws AssertionError, which only the process top level
// catches. `maybe(cond)` documents that both outcomes are expected. `invariantsEnabled` gates
// the expensive `checkInvariants()` methods: tests, the simulator and fuzzing set INVARIANTS=1.

/** Thrown when an internal invariant does not hold. Always a bug. */
export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}

/** True when the process was started with INVARIANTS=1 (tests, simulator, fuzzing). */
export const invariantsEnabled: boolean = process.env['INVARIANTS'] === '1';

/** Throws AssertionError unless `condition` holds. */
export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Marks a branch that the type system proves unreachable. */
export function assertNever(value: never, message = 'unreachable'): never {
  throw new AssertionError(`${message}: ${String(value)}`);
}

/** Documents that `condition` may be either true or false here. Does nothing. */
export function maybe(condition: boolean): void {
  void condition;
}

/** Asserts that `value` is an integer in [0, Number.MAX_SAFE_INTEGER]. */
export function assertSafeUint(value: number, what = 'value'): void {
  assert(Number.isSafeInteger(value), `${what} is not a safe integer: ${value}`);
  assert(value >= 0, `${what} is negative: ${value}`);
}
