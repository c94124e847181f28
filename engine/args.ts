// Argument checks for public entry points. Bad arguments are the caller's mistake, not a
// condition: they throw TypeError (wrong type) or RangeError (out of range), as in Deno std,
// with a message naming the argument and the bound.

const encoder = new TextEncoder();

/** Returns `value` if it is an integer in [min, max]; throws TypeError/RangeError otherwise. */
export function checkInt(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be an integer, got ${describe(value)}`);
  }
  if (value < min || value > max) {
    throw new RangeError(`${name} must be in [${min}, ${max}], got ${value}`);
  }
  return value;
}

/** Like checkInt, but `undefined` yields `fallback`. */
export function checkIntOr(
  value: unknown,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  return value === undefined ? fallback : checkInt(value, name, min, max);
}

/**
 * Returns a name argument (namespace, queue, action, worker id…): a string without NUL of
 * at most `maxBytes` UTF-8 bytes, not empty unless `emptyOk`. NUL is never allowed: catalog
 * keys and map keys join names with it.
 */
export function checkName(value: unknown, name: string, maxBytes: number, emptyOk = false): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string`);
  if (!emptyOk && value.length === 0) throw new RangeError(`${name} must not be empty`);
  if (value.includes('\u0000')) throw new RangeError(`${name} must not contain NUL`);
  return checkTextBytes(value, name, maxBytes);
}

/** Returns `value` if its UTF-8 form is at most `maxBytes`; throws RangeError otherwise. */
export function checkTextBytes(value: string, name: string, maxBytes: number): string {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short strings need no encoding (hot path).
  if (value.length * 3 <= maxBytes) return value;
  const bytes = encoder.encode(value).length;
  if (bytes > maxBytes) throw new RangeError(`${name} is ${bytes} bytes; the limit is ${maxBytes}`);
  return value;
}

/** Returns `value` if it is a Uint8Array of at most `maxBytes`; throws otherwise. */
export function checkBytes(value: unknown, name: string, maxBytes: number): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${name} must be a Uint8Array, got ${describe(value)}`);
  }
  if (value.length > maxBytes) {
    throw new RangeError(`${name} is ${value.length} bytes; the limit is ${maxBytes}`);
  }
  return value;
}

/**
 * Returns a size budget argument (`bytesMax` and a `sizeOf` function; the reply limit the
 * server passes to dequeues, group reads and claims), or null when it is absent.
 */
export function checkBudget<T extends { readonly bytesMax: number; sizeOf: unknown }>(
  budget: T | undefined,
  name = 'budget',
): T | null {
  if (budget === undefined) return null;
  checkInt(budget.bytesMax, `${name}.bytesMax`, 0, Number.MAX_SAFE_INTEGER);
  if (typeof budget.sizeOf !== 'function') {
    throw new TypeError(`${name}.sizeOf must be a function, got ${describe(budget.sizeOf)}`);
  }
  return budget;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return `string "${value.slice(0, 32)}"`;
  return typeof value;
}

/**
 * Checks a list's page limit: absent or 0 means `defaultLimit`; above `maxLimit` is clamped,
 * as the wire does (§8).
 */
export function checkPageLimit(limit: unknown, defaultLimit: number, maxLimit: number): number {
  const value = checkIntOr(limit, 'limit', 0, Number.MAX_SAFE_INTEGER, 0);
  return value === 0 ? defaultLimit : Math.min(value, maxLimit);
}

/** Page cursors (wire §8): this byte, then the sort key of the page's last item. */
export const PAGE_CURSOR_TAG = 0x01;

/** The cursor of a page of names that ended at `name`. */
export function encodeNameCursor(name: string): Uint8Array {
  const bytes = encoder.encode(name);
  const cursor = new Uint8Array(1 + bytes.length);
  cursor[0] = PAGE_CURSOR_TAG;
  cursor.set(bytes, 1);
  return cursor;
}

/**
 * The sort key a cursor argument resumes after (at least `minKeyBytes`), or null for the
 * first page (absent or empty). @throws TypeError/RangeError for anything else
 */
export function decodeCursorKey(cursor: unknown, minKeyBytes = 1): Uint8Array | null {
  if (cursor === undefined) return null;
  if (!(cursor instanceof Uint8Array)) throw new TypeError('cursor must be a Uint8Array');
  if (cursor.length === 0) return null;
  if (cursor[0] !== PAGE_CURSOR_TAG || cursor.length < 1 + minKeyBytes) {
    throw new RangeError('invalid cursor');
  }
  return cursor.subarray(1);
}
