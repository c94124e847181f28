// MetricsRegistry: the server's metrics and their Prometheus text exposition (format 0.0.4):
// counters, gauges and histograms with labels, plus collected families whose samples a
// callback reads at scrape time (engine families report queue depth, stream lag or KV size
// that way, without the server knowing their types). Every family renders `# HELP` and
// `# TYPE`; a histogram renders cumulative `_bucket{le=…}` series ending in `+Inf`, then
// `_sum` and `_count`.
//
// Hot path: `labels(...)` resolves a child once; callers keep the child and update plain
// numbers on it afterwards (no allocation per update). Names and label names are checked
// when a family is declared, so a typo fails at start-up, not at scrape time.
// Used by server/metrics/server_metrics.ts, server/flo_server.ts and the families' handlers.

import { ok as assert } from 'node:assert/strict';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** What every family declaration names. */
export interface FamilyOptions {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly string[];
}

export interface HistogramOptions extends FamilyOptions {
  /** Upper bounds of the buckets, strictly increasing and finite; `+Inf` is added. */
  readonly buckets: readonly number[];
}

/** One sample of a collected counter or gauge. */
export interface Sample {
  readonly labels: readonly string[];
  readonly value: number;
}

/** One series of a collected histogram: per-bucket counts (not cumulative), sum and count. */
export interface HistogramSample {
  readonly labels: readonly string[];
  /** counts[i] = observations in (bounds[i-1], bounds[i]]; length = bounds.length. */
  readonly bucketCounts: ArrayLike<number>;
  readonly sum: number;
  /** All observations, those above the last bound included. */
  readonly count: number;
}

export interface CollectedOptions extends FamilyOptions {
  readonly type: 'counter' | 'gauge';
  /** Called at every scrape; the label values follow labelNames. */
  readonly collect: () => Iterable<Sample>;
}

export interface CollectedHistogramOptions extends HistogramOptions {
  readonly collect: () => Iterable<HistogramSample>;
}

interface Family {
  readonly name: string;
  render(out: string[]): void;
}

/** A counter or gauge series: a number callers update directly. */
export class ValueChild {
  value = 0;

  inc(amount = 1): void {
    this.value += amount;
  }

  dec(amount = 1): void {
    this.value -= amount;
  }

  set(value: number): void {
    this.value = value;
  }
}

/** A histogram series. */
export class HistogramChild {
  readonly bucketCounts: Float64Array;
  sum = 0;
  count = 0;
  private readonly bounds: readonly number[];

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.bucketCounts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    assert(!Number.isNaN(value), 'a histogram observes numbers');
    const bounds = this.bounds;
    let index = 0;
    while (index < bounds.length && value > bounds[index]!) index++;
    if (index < bounds.length) this.bucketCounts[index]!++;
    this.sum += value;
    this.count++;
    assert(index === bounds.length || value <= bounds[index]!, 'the bucket holds the value');
  }
}

/** A family with labelled children created on first use and kept. */
abstract class LabelledFamily<C> implements Family {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  private readonly children = new Map<string, { values: readonly string[]; child: C }>();

  constructor(options: FamilyOptions) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
  }

  /** The child for these label values (one per label name, in order); keep it. */
  labels(...values: string[]): C {
    if (values.length !== this.labelNames.length) {
      throw new RangeError(
        `${this.name} takes ${this.labelNames.length} label values, got ${values.length}`,
      );
    }
    const key = values.length === 0 ? '' : JSON.stringify(values);
    let entry = this.children.get(key);
    if (entry === undefined) {
      entry = { values: [...values], child: this.create() };
      this.children.set(key, entry);
    }
    return entry.child;
  }

  protected abstract create(): C;

  protected series(): Iterable<{ values: readonly string[]; child: C }> {
    return this.children.values();
  }

  abstract render(out: string[]): void;
}

export class Counter extends LabelledFamily<ValueChild> {
  protected create(): ValueChild {
    return new ValueChild();
  }

  /** Adds to the series without labels. */
  inc(amount = 1): void {
    this.labels().inc(amount);
  }

  render(out: string[]): void {
    renderValues(out, this, 'counter', this.series(), (entry) => entry.child.value);
  }
}

export class Gauge extends LabelledFamily<ValueChild> {
  protected create(): ValueChild {
    return new ValueChild();
  }

  /** Sets the series without labels. */
  set(value: number): void {
    this.labels().set(value);
  }

  render(out: string[]): void {
    renderValues(out, this, 'gauge', this.series(), (entry) => entry.child.value);
  }
}

export class Histogram extends LabelledFamily<HistogramChild> {
  readonly bounds: readonly number[];

  constructor(options: HistogramOptions) {
    super(options);
    this.bounds = [...options.buckets];
  }

  protected create(): HistogramChild {
    return new HistogramChild(this.bounds);
  }

  render(out: string[]): void {
    header(out, this, 'histogram');
    for (const { values, child } of this.series()) {
      renderHistogramSeries(out, this, values, child);
    }
  }
}

/** The registry: declare families once, render them all at each scrape. */
export class MetricsRegistry {
  private readonly families = new Map<string, Family>();
  private collectErrors = 0;

  counter(options: FamilyOptions): Counter {
    return this.add(new Counter(checkFamily(options)));
  }

  gauge(options: FamilyOptions): Gauge {
    return this.add(new Gauge(checkFamily(options)));
  }

  histogram(options: HistogramOptions): Histogram {
    checkBuckets(options.buckets, options.name);
    return this.add(new Histogram(checkFamily(options)));
  }

  /** A counter or gauge whose samples `options.collect` returns at each scrape. */
  collected(options: CollectedOptions): void {
    const family = checkFamily(options);
    this.add({
      name: family.name,
      render: (out: string[]): void => {
        const samples = [...options.collect()];
        renderValues(out, family, options.type, samples.map((sample) => ({
          values: checkedValues(family, sample.labels),
          child: sample,
        })), (entry) => entry.child.value);
      },
    });
  }

  /** A histogram whose series `options.collect` returns at each scrape (fsync latency…). */
  collectedHistogram(options: CollectedHistogramOptions): void {
    const family = checkFamily(options);
    checkBuckets(options.buckets, options.name);
    const bounds = [...options.buckets];
    this.add({
      name: family.name,
      render: (out: string[]): void => {
        const samples = [...options.collect()];
        header(out, family, 'histogram');
        for (const sample of samples) {
          if (sample.bucketCounts.length !== bounds.length) {
            throw new RangeError(`${family.name}: ${sample.bucketCounts.length} bucket counts ` +
              `for ${bounds.length} bounds`);
          }
          renderHistogramSeries(out, { name: family.name, labelNames: family.labelNames,
            bounds }, checkedValues(family, sample.labels), sample);
        }
      },
    });
  }

  /**
   * The exposition text. A collected family whose callback throws is left out of this
   * scrape (and counted in flo_metrics_collect_errors_total) instead of failing the scrape.
   */
  render(): string {
    const out: string[] = [];
    for (const family of this.families.values()) {
      const mark = out.length;
      try {
        family.render(out);
      } catch {
        out.length = mark;
        this.collectErrors++;
      }
    }
    out.push('# HELP flo_metrics_collect_errors_total Scrapes that left a family out because ' +
      'its collector failed.\n# TYPE flo_metrics_collect_errors_total counter\n' +
      `flo_metrics_collect_errors_total ${this.collectErrors}\n`);
    return out.join('');
  }

  private add<F extends Family>(family: F): F {
    if (this.families.has(family.name) || family.name === 'flo_metrics_collect_errors_total') {
      throw new Error(`metric ${family.name} is already declared`);
    }
    this.families.set(family.name, family);
    return family;
  }
}

interface Described {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
}

function checkFamily<O extends FamilyOptions>(options: O): O & Described {
  if (!METRIC_NAME.test(options.name)) {
    throw new RangeError(`invalid metric name "${options.name}"`);
  }
  const labelNames = options.labelNames ?? [];
  for (const label of labelNames) {
    if (!LABEL_NAME.test(label) || label.startsWith('__') || label === 'le') {
      throw new RangeError(`invalid label name "${label}" on ${options.name}`);
    }
  }
  if (new Set(labelNames).size !== labelNames.length) {
    throw new RangeError(`duplicate label name on ${options.name}`);
  }
  return { ...options, labelNames };
}

function checkBuckets(buckets: readonly number[], name: string): void {
  if (buckets.length === 0) throw new RangeError(`${name} needs at least one bucket`);
  for (let index = 0; index < buckets.length; index++) {
    const bound = buckets[index]!;
    if (!Number.isFinite(bound) || (index > 0 && bound <= buckets[index - 1]!)) {
      throw new RangeError(`${name} buckets must be finite and strictly increasing`);
    }
  }
}

function checkedValues(family: Described, values: readonly string[]): readonly string[] {
  if (values.length !== family.labelNames.length) {
    throw new RangeError(`${family.name} sample has ${values.length} label values, ` +
      `want ${family.labelNames.length}`);
  }
  return values;
}

function header(out: string[], family: Described, type: string): void {
  out.push(`# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${type}\n`);
}

function renderValues<E extends { values: readonly string[] }>(
  out: string[],
  family: Described,
  type: 'counter' | 'gauge',
  entries: Iterable<E>,
  valueOf: (entry: E) => number,
): void {
  header(out, family, type);
  for (const entry of entries) {
    out.push(`${family.name}${labelText(family.labelNames, entry.values)} ` +
      `${formatValue(valueOf(entry))}\n`);
  }
}

function renderHistogramSeries(
  out: string[],
  family: { name: string; labelNames: readonly string[]; bounds: readonly number[] },
  values: readonly string[],
  series: { bucketCounts: ArrayLike<number>; sum: number; count: number },
): void {
  const names = [...family.labelNames, 'le'];
  let cumulative = 0;
  for (let index = 0; index < family.bounds.length; index++) {
    cumulative += series.bucketCounts[index]!;
    const le = formatValue(family.bounds[index]!);
    out.push(`${family.name}_bucket${labelText(names, [...values, le])} ${cumulative}\n`);
  }
  assert(cumulative <= series.count, `${family.name}: buckets hold more than the count`);
  out.push(`${family.name}_bucket${labelText(names, [...values, '+Inf'])} ${series.count}\n`);
  const own = labelText(family.labelNames, values);
  out.push(`${family.name}_sum${own} ${formatValue(series.sum)}\n`);
  out.push(`${family.name}_count${own} ${series.count}\n`);
}

function labelText(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return '';
  const pairs = names.map((name, index) => `${name}="${escapeLabel(values[index]!)}"`);
  return `{${pairs.join(',')}}`;
}

/** Prometheus numbers: Go float syntax; +Inf, -Inf and NaN spelled out. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabel(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
