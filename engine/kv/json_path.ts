// The JSON operations' path subset and document edits (wire spec §7.2.9), pure functions
// over parsed documents: the KV store reads a key's value as JSON, applies one of these,
// and stores the compact text of the result. Documents are what JSON.parse returns, so
// numbers are IEEE-754 doubles and member order is the stored order; compactJson is
// JSON.stringify (no whitespace, JavaScript's string escaping).
//
//   path    = "$" *segment                 (an empty path means "$")
//   segment = "." name / "[" index "]" / "['" text "']" / "[" DQUOTE text DQUOTE "]"
//   name    = 1*( ALPHA / DIGIT / "_" / "-" )      index = 1*DIGIT (decimal, 0-based)
//   text    = 1*( any character except the closing quote )
//
// Anything else (wildcards, "..", filters, negative indexes, slices) is a RangeError
// "unsupported path". Member names are set with defineProperty, so "__proto__" is a plain
// member and never a prototype.

import { assert } from '../assert.ts';

export type PathSegment =
  | { kind: 'member'; name: string }
  | { kind: 'index'; index: number };

/** A JSON value as JSON.parse returns it. */
export type JsonValue =
  | null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const NAME_CHAR = /[A-Za-z0-9_-]/;

/** Parses a path. @throws RangeError "unsupported path" for anything outside the subset */
export function parsePath(path: string): PathSegment[] {
  if (typeof path !== 'string') throw new TypeError('path must be a string');
  if (path === '') return [];
  const fail = (): never => {
    throw new RangeError(`unsupported path "${path.slice(0, 64)}"`);
  };
  if (path[0] !== '$') fail();
  const segments: PathSegment[] = [];
  let position = 1;
  while (position < path.length) {
    const char = path[position];
    if (char === '.') {
      let end = position + 1;
      while (end < path.length && NAME_CHAR.test(path[end]!)) end += 1;
      if (end === position + 1) fail();
      segments.push({ kind: 'member', name: path.slice(position + 1, end) });
      position = end;
    } else if (char === '[') {
      const quote = path[position + 1];
      if (quote === "'" || quote === '"') {
        const close = path.indexOf(quote, position + 2);
        if (close <= position + 2 || path[close + 1] !== ']') fail();
        segments.push({ kind: 'member', name: path.slice(position + 2, close) });
        position = close + 2;
      } else {
        const close = path.indexOf(']', position + 1);
        const digits = close < 0 ? '' : path.slice(position + 1, close);
        if (!/^[0-9]+$/.test(digits)) fail();
        const index = Number(digits);
        // An index beyond any array can only be "out of range": keep it, never find it.
        segments.push({ kind: 'index', index: Number.isSafeInteger(index) ? index : Infinity });
        position = close + 1;
      }
    } else {
      fail();
    }
  }
  return segments;
}

/** The compact text of a document (members in stored order, no whitespace). */
export function compactJson(value: JsonValue): string {
  return JSON.stringify(value);
}

/** Parses JSON text, or returns undefined when it is not JSON. */
export function parseJson(text: string): JsonValue | undefined {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function child(node: JsonValue, segment: PathSegment): JsonValue | undefined {
  if (segment.kind === 'member') {
    if (!isObject(node) || !Object.prototype.hasOwnProperty.call(node, segment.name)) {
      return undefined;
    }
    return node[segment.name];
  }
  if (!Array.isArray(node) || segment.index >= node.length) return undefined;
  return node[segment.index];
}

/** The node at `segments`, or undefined when the path does not lead anywhere. */
export function jsonGet(doc: JsonValue, segments: readonly PathSegment[]): JsonValue | undefined {
  let node: JsonValue | undefined = doc;
  for (const segment of segments) {
    if (node === undefined) return undefined;
    node = child(node, segment);
  }
  return node;
}

/** Why an edit could not be made. */
export type JsonEditProblem = 'not-found' | 'wrong-type';

/**
 * Sets the node at `segments` (REQUIRES: at least one segment) in `doc`, in place: a member
 * is added or replaced; an array index below the length replaces, equal to it appends.
 * @returns null, or why not: 'not-found' (missing parent, index past the end),
 * 'wrong-type' (the parent is not an object for a member, not an array for an index)
 */
export function jsonSet(
  doc: JsonValue, segments: readonly PathSegment[], value: JsonValue,
): JsonEditProblem | null {
  assert(segments.length > 0, 'jsonSet of the root');
  const parent = jsonGet(doc, segments.slice(0, -1));
  if (parent === undefined) return 'not-found';
  const last = segments.at(-1)!;
  if (last.kind === 'member') {
    if (!isObject(parent)) return 'wrong-type';
    Object.defineProperty(parent, last.name, {
      value, writable: true, enumerable: true, configurable: true,
    });
    return null;
  }
  if (!Array.isArray(parent)) return 'wrong-type';
  if (last.index > parent.length) return 'not-found';
  parent[last.index] = value;
  return null;
}

/**
 * Removes the node at `segments` (REQUIRES: at least one segment) from `doc`, in place;
 * later array elements move down. @returns false when the path does not exist
 */
export function jsonDelete(doc: JsonValue, segments: readonly PathSegment[]): boolean {
  assert(segments.length > 0, 'jsonDelete of the root');
  const parent = jsonGet(doc, segments.slice(0, -1));
  const last = segments.at(-1)!;
  if (parent === undefined || child(parent, last) === undefined) return false;
  if (last.kind === 'member') {
    delete (parent as { [key: string]: JsonValue })[last.name];
  } else {
    (parent as JsonValue[]).splice(last.index, 1);
  }
  return true;
}
