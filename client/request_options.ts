// RequestOptions: builds a request's TLV options section (flo-wire.md §4) from optional
// values: an undefined value (or a false flag) adds nothing, so a family writes one line per
// option it supports. Widths follow the spec's nominal types (§4.4), which the official SDKs
// send and the golden vectors pin: u8 1 byte, u32 4, u64 8. A value that does not fit its
// width throws RangeError naming the option.

import { OptionsWriter, type StreamId } from '../server/wire/options.ts';
import { bytesOf, type Bytes } from './bytes.ts';

const EMPTY = new Uint8Array(0);

export class RequestOptions {
  // Made on the first option: most requests carry none.
  private optionsWriter: OptionsWriter | null = null;

  /** The section's bytes (a shared empty array when there are none: do not write to it). */
  toBytes(): Uint8Array {
    return this.optionsWriter === null ? EMPTY : this.optionsWriter.toBytes();
  }

  private get writer(): OptionsWriter {
    return (this.optionsWriter ??= new OptionsWriter());
  }

  u8(tag: number, value: number | undefined): this {
    if (value !== undefined) this.writer.uint(tag, value, 1);
    return this;
  }

  u32(tag: number, value: number | undefined): this {
    if (value !== undefined) this.writer.uint(tag, value, 4);
    return this;
  }

  u64(tag: number, value: number | bigint | undefined): this {
    if (value !== undefined) this.writer.uint(tag, value, 8);
    return this;
  }

  i64(tag: number, value: number | bigint | undefined): this {
    if (value !== undefined) this.writer.i64(tag, value);
    return this;
  }

  /** A set flag (length 0) when `set`; nothing otherwise. */
  flag(tag: number, set: boolean | undefined): this {
    if (set === true) this.writer.flag(tag);
    return this;
  }

  /** A flag sent as one byte 1 (the form QUEUE_FAIL's send_to_dlq takes in the SDKs). */
  flagByte(tag: number, set: boolean | undefined): this {
    if (set === true) this.writer.uint(tag, 1, 1);
    return this;
  }

  bytes(tag: number, value: Bytes | undefined): this {
    if (value !== undefined) this.writer.add(tag, bytesOf(value));
    return this;
  }

  streamId(tag: number, id: StreamId | undefined): this {
    if (id !== undefined) this.writer.streamId(tag, id);
    return this;
  }
}
