// What the queue, stream, action and worker handlers share when they read a request: names
// as text (the engine names things with strings; bytes that are not UTF-8 cannot name
// anything, so they are BAD_REQUEST), the options of flo-wire.md §4.3 with their §2.7
// treatment (block_ms is refused above 300 000, counts are clamped by the engine, 0 means
// "the default"), and the paging value of §8 with pages cut at the reply soft limit. Every
// failure is a WireError (BAD_REQUEST), raised before the engine is called. Used by
// server/handlers/queue.ts, stream.ts, stream_group.ts, action.ts and worker.ts.

import { ok as assert } from 'node:assert/strict';
import { WireError, badRequest, malformedValue } from '../wire/wire_error.ts';
import { BodyReader } from '../wire/body_reader.ts';
import { BodyWriter } from '../wire/body_writer.ts';
import { waitMsMax } from '../wire/limits.ts';
import { describeOption, OptionTag } from '../wire/option_tags.ts';
import type { TlvOptions } from '../wire/options.ts';
import type { RequestContext } from '../handler.ts';

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** `bytes` as text; BAD_REQUEST when empty (unless allowed), not UTF-8 or holding NUL. */
export function nameOf(bytes: Uint8Array, what: string, allowEmpty = false): string {
  if (bytes.length === 0 && !allowEmpty) throw badRequest(`${what} name is required`);
  let text: string;
  try {
    text = utf8Strict.decode(bytes);
  } catch {
    throw badRequest(`invalid ${what} name: not UTF-8`);
  }
  if (text.includes('\u0000')) throw badRequest(`invalid ${what} name: contains NUL`);
  return text;
}

/** An unsigned option; 0 and absence both give undefined ("the default"). */
export function nonZeroUint(options: TlvOptions, tag: number): number | undefined {
  const value = options.uint(tag);
  return value === 0 ? undefined : value;
}

/** An unsigned option that may not exceed `max` (BAD_REQUEST names the option and bound). */
export function boundedUint(options: TlvOptions, tag: number, max: number): number | undefined {
  const value = options.uint(tag);
  if (value !== undefined && value > max) {
    throw badRequest(`${describeOption(tag)} is ${value}; the maximum is ${max}`);
  }
  return value;
}

/** `block_ms`: 0 when absent, BAD_REQUEST above 300 000 (spec §3.3). */
export function blockMsOf(options: TlvOptions): number {
  return boundedUint(options, OptionTag.block_ms, waitMsMax) ?? 0;
}

/** The park hooks an engine call takes (signal, onPark): see parkHooks. */
export interface ParkHooks {
  readonly signal: AbortSignal | undefined;
  readonly onPark: (() => boolean) | undefined;
}

/**
 * The hooks of a request that may wait (`mayWait`: its block or wait time is above 0):
 * onPark parks the request, and the signal is made only when read. Every engine reads it
 * on the way to parking, and most waits never park: RequestSlot.signal makes an
 * AbortController. Merge the call's other options into it with Object.assign (target
 * first); a spread would read the signal at once.
 */
export function parkHooks(context: RequestContext, mayWait: boolean): ParkHooks {
  return {
    get signal() {
      return mayWait ? context.signal : undefined;
    },
    onPark: mayWait ? () => context.park() : undefined,
  };
}

/** The first of `tags` that is present (the spec's "0x05, or 0x15 when 0x05 is absent"). */
export function firstUint(options: TlvOptions, ...tags: number[]): number | undefined {
  for (const tag of tags) {
    const value = options.uint(tag);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** A page request (§8): `[limit:u32][cursor]`; limit 0 means the default. */
export interface PageRequest {
  readonly limit: number;
  readonly cursor: Uint8Array;
}

/** Reads the paging value; 1-3 bytes is BAD_REQUEST. The cursor is a view. */
export function pageRequestOf(value: Uint8Array): PageRequest {
  if (value.length === 0) return { limit: 0, cursor: value };
  if (value.length < 4) {
    throw malformedValue(`a page request is empty or [limit:u32][cursor], got ${value.length} ` +
      'bytes');
  }
  const reader = new BodyReader(value);
  return { limit: reader.u32('limit'), cursor: reader.rest() };
}

/** Writes the page trailer `[has_more:u8][cursor_len:u16][cursor]` (empty unless has_more). */
export function writePageTrailer(body: BodyWriter, cursor: Uint8Array | null): BodyWriter {
  if (cursor === null || cursor.length === 0) return body.u8(0).u16(0);
  return body.u8(1).bytesU16(cursor);
}

/**
 * Runs a page listing; a RangeError or TypeError about a non-empty cursor becomes BAD_REQUEST
 * `invalid cursor` (the spec's message), anything else passes through.
 */
export async function withCursor<T>(cursor: Uint8Array, list: () => Promise<T> | T): Promise<T> {
  try {
    return await list();
  } catch (error) {
    if (cursor.length === 0 || error instanceof WireError) throw error;
    if (error instanceof RangeError || error instanceof TypeError) {
      throw badRequest(error.message.startsWith('invalid cursor') ? error.message
        : `invalid cursor: ${error.message}`);
    }
    throw error;
  }
}

/** `[count:u32 = 0]`: the empty list, and every timeout outcome of §3.3. Never mutated. */
export const EMPTY_LIST: Uint8Array = Uint8Array.of(0, 0, 0, 0);

/**
 * How many of `items`, taken in order, fit a reply of at most `bytesMax` bytes of which
 * `fixedBytes` are not items (§3.4 soft limit): at least one when there is any.
 */
export function fitCount<T>(
  items: readonly T[],
  sizeOf: (item: T) => number,
  fixedBytes: number,
  bytesMax: number,
): number {
  assert(fixedBytes >= 0 && bytesMax > fixedBytes, 'the limit leaves room for items');
  let bytes = fixedBytes;
  for (let index = 0; index < items.length; index++) {
    bytes += sizeOf(items[index]!);
    if (bytes > bytesMax && index > 0) return index;
  }
  return items.length;
}

/**
 * The bytes of a name listing that are not entries: count, page trailer and a cursor
 * naming (at most) the longest name on the page.
 */
export function nameListFixedBytes(entries: ReadonlyArray<{ readonly name: string }>): number {
  return 4 + 3 + 1 + Math.max(0, ...entries.map((entry) => Buffer.byteLength(entry.name)));
}

/**
 * A page from `ask(limit)` whose items fit the soft limit (§3.4): when they do not, asks
 * again for as many as fit, so the page and its cursor still come from the engine (the
 * cursor resumes after the last entry returned). A cursor the engine cannot decode is
 * `invalid cursor` (withCursor). `fixedBytes` may depend on the page's items (a cursor that
 * names the longest of them).
 */
export async function fittedPage<P, T>(
  page: PageRequest,
  ask: (limit: number) => Promise<P> | P,
  itemsOf: (page: P) => readonly T[],
  fit: {
    sizeOf: (item: T) => number;
    fixedBytes: number | ((items: readonly T[]) => number);
    bytesMax: number;
  },
): Promise<P> {
  let result = await withCursor(page.cursor, () => ask(page.limit));
  for (;;) {
    const items = itemsOf(result);
    const fixedBytes = typeof fit.fixedBytes === 'number' ? fit.fixedBytes : fit.fixedBytes(items);
    const fits = fitCount(items, fit.sizeOf, fixedBytes, fit.bytesMax);
    if (fits === items.length) return result;
    assert(fits > 0 && fits < items.length, 'a cut page keeps its first item');
    result = await ask(fits);
  }
}
