// The TLV option tags of flo-wire.md §4.4, as data: every tag ever defined, with its name and
// its data type. Tags with meaning are read by the handlers of the ops that use them (through
// TlvOptions in options.ts); the "accepted and ignored" tags are listed so messages and tools
// can name them. Tags not listed here are undefined and ignored.

/** The data type of an option (spec §4.3). */
export type OptionType = 'uint' | 'i64' | 'flag' | 'flagOrU8' | 'bytes' | 'streamId';

interface OptionSpec {
  readonly tag: number;
  readonly type: OptionType;
  /** True for the tags this server accepts and ignores (no meaning for any op). */
  readonly ignored?: true;
}

// Part of the wire format; do not change a tag.
const optionSpecs = {
  ttl_ms: { tag: 0x01, type: 'uint' },
  cas_version: { tag: 0x02, type: 'uint' },
  if_not_exists: { tag: 0x03, type: 'flag' },
  if_exists: { tag: 0x04, type: 'flag' },
  limit: { tag: 0x05, type: 'uint' },
  keys_only: { tag: 0x06, type: 'flagOrU8' },
  cursor: { tag: 0x07, type: 'bytes' },
  routing_key: { tag: 0x08, type: 'bytes' },
  txn_id: { tag: 0x09, type: 'uint' },
  priority: { tag: 0x10, type: 'uint' },
  delay_ms: { tag: 0x11, type: 'uint' },
  visibility_timeout_ms: { tag: 0x12, type: 'uint' },
  dedup_key: { tag: 0x13, type: 'bytes' },
  max_retries: { tag: 0x14, type: 'uint' },
  count: { tag: 0x15, type: 'uint' },
  send_to_dlq: { tag: 0x16, type: 'flagOrU8' },
  block_ms: { tag: 0x17, type: 'uint' },
  wait_ms: { tag: 0x18, type: 'uint' },
  stream_start: { tag: 0x21, type: 'streamId' },
  stream_end: { tag: 0x22, type: 'streamId' },
  stream_tail: { tag: 0x23, type: 'flag' },
  partition: { tag: 0x24, type: 'uint' },
  partition_key: { tag: 0x25, type: 'bytes' },
  max_age_seconds: { tag: 0x26, type: 'uint' },
  max_bytes: { tag: 0x27, type: 'uint' },
  dry_run: { tag: 0x28, type: 'flag' },
  retention_count: { tag: 0x29, type: 'uint' },
  retention_age: { tag: 0x2a, type: 'uint' },
  retention_bytes: { tag: 0x2b, type: 'uint' },
  force: { tag: 0x2c, type: 'flag' },
  ack_timeout_ms: { tag: 0x30, type: 'uint' },
  max_deliver: { tag: 0x31, type: 'uint' },
  subscription_mode: { tag: 0x32, type: 'uint' },
  redelivery_delay_ms: { tag: 0x33, type: 'uint' },
  no_ack: { tag: 0x35, type: 'flag' },
  extend_ack_ms: { tag: 0x38, type: 'uint' },
  extend_ms: { tag: 0x41, type: 'uint' },
  ts_timestamp: { tag: 0x67, type: 'i64' },
  consumer_timeout_ms: { tag: 0x34, type: 'uint', ignored: true },
  idle_timeout_ms: { tag: 0x36, type: 'uint', ignored: true },
  max_ack_pending: { tag: 0x37, type: 'uint', ignored: true },
  max_standbys: { tag: 0x39, type: 'uint', ignored: true },
  num_slots: { tag: 0x3a, type: 'uint', ignored: true },
  worker_id: { tag: 0x40, type: 'bytes', ignored: true },
  max_tasks: { tag: 0x42, type: 'uint', ignored: true },
  retry: { tag: 0x43, type: 'uint', ignored: true },
  timeout_ms: { tag: 0x50, type: 'uint', ignored: true },
  retry_policy: { tag: 0x51, type: 'bytes', ignored: true },
  correlation_id: { tag: 0x52, type: 'bytes', ignored: true },
  subscription_id: { tag: 0x53, type: 'uint', ignored: true },
  ts_from_ms: { tag: 0x60, type: 'i64', ignored: true },
  ts_to_ms: { tag: 0x61, type: 'i64', ignored: true },
  ts_window_ms: { tag: 0x62, type: 'i64', ignored: true },
  ts_aggregation: { tag: 0x63, type: 'bytes', ignored: true },
  ts_field: { tag: 0x64, type: 'bytes', ignored: true },
  ts_tags: { tag: 0x65, type: 'bytes', ignored: true },
  ts_precision: { tag: 0x66, type: 'uint', ignored: true },
  ts_raw_ttl: { tag: 0x68, type: 'bytes', ignored: true },
  ts_downsample: { tag: 0x69, type: 'bytes', ignored: true },
  ts_batch: { tag: 0x6a, type: 'flag', ignored: true },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof optionSpecs;

/** Option tags by name: `OptionTag.block_ms === 0x17`. */
export const OptionTag = Object.fromEntries(
  Object.entries(optionSpecs).map(([name, spec]) => [name, spec.tag]),
) as { readonly [N in OptionName]: (typeof optionSpecs)[N]['tag'] };

export interface OptionInfo {
  readonly tag: number;
  readonly name: OptionName;
  readonly type: OptionType;
  readonly ignored: boolean;
}

const byTag: (OptionInfo | undefined)[] = new Array(256);
for (const [name, spec] of Object.entries(optionSpecs) as [OptionName, OptionSpec][]) {
  if (byTag[spec.tag] !== undefined) throw new Error(`option tag 0x${spec.tag} defined twice`);
  byTag[spec.tag] = { tag: spec.tag, name, type: spec.type, ignored: spec.ignored === true };
}

/** The definition of `tag`, or undefined for an undefined tag. */
export function optionInfo(tag: number): OptionInfo | undefined {
  return byTag[tag];
}

/** `0x17 (block_ms)`, or `0xee` for an undefined tag: how messages name an option. */
export function describeOption(tag: number): string {
  const hex = `0x${tag.toString(16).padStart(2, '0')}`;
  const info = byTag[tag];
  return info === undefined ? hex : `${hex} (${info.name})`;
}
