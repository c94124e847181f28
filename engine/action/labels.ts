// Label routing (wire §7.6.3, §7.7): a run requires labels (a JSON object), a worker has
// labels (the top-level members of its metadata), and the run may go to the worker only when
// the worker holds every member of the run's labels with an equal value. Strings, numbers,
// booleans and null compare by type and value; array and object values never match. A run's
// labels are kept as canonical JSON (members sorted by key), which names the internal queue
// its run waits in: runs with equal label sets share a queue.

import { assert } from '../assert.ts';
import { utf8 } from '../codec/bytes.ts';
import { actionLabelsBytesMax } from '../limits.ts';
import type { Labels } from './action_types.ts';

type Scalar = string | number | boolean | null;

/** A run's required labels, canonical. */
export class LabelSet {
  /** Canonical JSON: members sorted by key, no spaces. */
  readonly json: string;
  private readonly members: ReadonlyArray<readonly [string, unknown]>;
  /** False when a member's value is an array or object: no worker matches. */
  private readonly matchable: boolean;

  private constructor(json: string, members: Array<[string, unknown]>) {
    this.json = json;
    this.members = members;
    this.matchable = members.every(([, value]) => isScalar(value));
  }

  static readonly empty = new LabelSet('{}', []);

  /** Checks and canonicalizes `labels` (undefined: none). @throws TypeError, RangeError */
  static from(labels: Labels | undefined): LabelSet {
    if (labels === undefined) return LabelSet.empty;
    if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
      throw new TypeError('labels must be a JSON object');
    }
    const members = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (members.length === 0) return LabelSet.empty;
    for (const [key, value] of members) checkJsonValue(value, `labels.${key}`);
    const json = `{${members.map(([key, value]) =>
      `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(',')}}`;
    const bytes = utf8(json).length;
    if (bytes > actionLabelsBytesMax) {
      throw new RangeError(`labels are ${bytes} bytes of JSON; the limit is ` +
        `${actionLabelsBytesMax}`);
    }
    return new LabelSet(json, members);
  }

  /** The label set whose canonical JSON is `json` (as stored). @throws RangeError */
  static parse(json: string): LabelSet {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      throw new RangeError(`labels are not JSON: ${json.slice(0, 64)}`);
    }
    const set = LabelSet.from(value as Labels);
    if (set.json !== json) throw new RangeError(`labels are not canonical: ${json.slice(0, 64)}`);
    return set;
  }

  get isEmpty(): boolean {
    return this.members.length === 0;
  }

  /** The labels as an object (a fresh copy). */
  toObject(): Record<string, unknown> {
    return JSON.parse(this.json) as Record<string, unknown>;
  }

  /** True when `worker` holds every member with an equal value. */
  matches(worker: WorkerLabels): boolean {
    if (!this.matchable) return false;
    for (const [key, value] of this.members) {
      const held = worker.get(key);
      if (held === undefined || typeof held !== typeof value || held !== value) return false;
    }
    return true;
  }
}

/** A worker's labels: the scalar top-level members of its metadata. */
export type WorkerLabels = ReadonlyMap<string, Scalar>;

export const noWorkerLabels: WorkerLabels = new Map();

/** The labels of a worker with `metadata` (null: none). */
export function workerLabels(metadata: Readonly<Record<string, unknown>> | null): WorkerLabels {
  if (metadata === null) return noWorkerLabels;
  const labels = new Map<string, Scalar>();
  for (const [key, value] of Object.entries(metadata)) {
    if (isScalar(value)) labels.set(key, value);
  }
  assert(labels.size <= Object.keys(metadata).length, 'labels come from metadata members');
  return labels;
}

function isScalar(value: unknown): value is Scalar {
  return value === null || typeof value === 'string' || typeof value === 'boolean' ||
    typeof value === 'number';
}

/** Throws unless `value` is plain JSON (finite numbers, no undefined, functions or cycles). */
export function checkJsonValue(value: unknown, what: string, depth = 0): void {
  if (depth > 64) throw new RangeError(`${what} nests deeper than 64 levels`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`${what} must be a finite number`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkJsonValue(item, `${what}[${i}]`, depth + 1));
    return;
  }
  if (typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      checkJsonValue(item, `${what}.${key}`, depth + 1);
    }
    return;
  }
  throw new TypeError(`${what} must be a JSON value, not ${typeof value}`);
}
