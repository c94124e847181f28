// FrameDecoder: reassembles frames from a TCP byte stream (flo-wire.md §3.1). push() hands it
// a chunk; next() returns one complete frame, null ("need more bytes"), or a FrameError.
//
// Check order (§3.1): magic as soon as bytes 0-3 are there, then version and reserved bytes,
// then the length against payloadBytesMax, and only then is the payload collected and its
// CRC checked. An oversized payload is never buffered: the error comes from the header alone.
// A frame that lies inside one chunk is returned as a view of it (no copy); a frame spread
// over chunks is copied once, when its last byte arrives, so memory follows the bytes that
// really arrived (at most one frame plus the chunk that completes it). After an error the
// decoder is failed: next() keeps returning that error and push() drops its input.
// Used by server/tcp/connection.ts (requests) and client/connection.ts (replies).

import { ok as assert } from 'node:assert/strict';
import {
  acceptedReserved,
  decodeReplyFrame,
  decodeRequestFrame,
  echoOfHeader,
  frameCrc,
  hasMagic,
  HEADER_BYTES,
  MAGIC,
  Offset,
  readU32,
  type FrameEcho,
  type ReplyFrame,
  type RequestFrame,
  ZERO_ECHO,
} from './frame.ts';

/** Why a frame-level error (§3.6, §3.7) ends the connection; also its reply message. */
export type FrameErrorReason =
  | 'invalid magic'
  | 'unsupported protocol version'
  | 'frame too large'
  | 'checksum mismatch'
  | 'incomplete frame';

/**
 * A frame-level error: returned by the decoder, not thrown. It carries what the one error
 * frame needs (request id, version and reserved bytes to echo) and its message.
 */
export class FrameError {
  readonly reason: FrameErrorReason;
  readonly echo: FrameEcho;

  constructor(reason: FrameErrorReason, echo: FrameEcho) {
    this.reason = reason;
    this.echo = echo;
  }
}

/** Which header layout a decoder reads: requests (server side) or replies (client side). */
export interface FrameLayout<F> {
  /** Offset of the version byte: 22 in a request, 20 in a reply. */
  readonly versionOffset: number;
  /** Builds the frame object from a complete, checked frame. */
  readonly decode: (bytes: Uint8Array) => F;
}

export const requestLayout: FrameLayout<RequestFrame> = {
  versionOffset: Offset.REQUEST_VERSION,
  decode: decodeRequestFrame,
};

export const replyLayout: FrameLayout<ReplyFrame> = {
  versionOffset: Offset.REPLY_VERSION,
  decode: decodeReplyFrame,
};

export class FrameDecoder<F> {
  private readonly layout: FrameLayout<F>;
  private readonly payloadBytesMax: number;
  /** Unconsumed chunks; parts[0] starts at headOffset. */
  private parts: Uint8Array[] = [];
  private headOffset = 0;
  private buffered = 0;
  /** Size of the frame being collected once its header passed the checks, else -1. */
  private frameBytes = -1;
  private failure: FrameError | null = null;
  private decoded = 0;
  private readonly scratch = new Uint8Array(HEADER_BYTES);

  constructor(layout: FrameLayout<F>, payloadBytesMax: number) {
    assert(Number.isSafeInteger(payloadBytesMax) && payloadBytesMax >= 0, 'payload limit');
    assert(payloadBytesMax <= 0xffff_ffff, 'payload limit above u32');
    this.layout = layout;
    this.payloadBytesMax = payloadBytesMax;
  }

  /** Bytes received and not yet returned as frames. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Frames returned so far. */
  get framesDecoded(): number {
    return this.decoded;
  }

  push(chunk: Uint8Array): void {
    if (this.failure !== null || chunk.length === 0) return;
    // A plain Uint8Array view: its subarrays are much cheaper than a Buffer's.
    this.parts.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    this.buffered += chunk.length;
  }

  /** The next complete frame, null when more bytes are needed, or the decoder's error. */
  next(): F | FrameError | null {
    if (this.failure !== null) return this.failure;
    if (this.frameBytes < 0) {
      if (this.buffered < MAGIC.length) return null;
      const header = this.peek(Math.min(this.buffered, HEADER_BYTES));
      if (!hasMagic(header)) return this.fail('invalid magic', ZERO_ECHO);
      if (header.length < HEADER_BYTES) return null;
      if (acceptedReserved(header[this.layout.versionOffset]!, header) === null) {
        return this.fail('unsupported protocol version', this.echoOf(header));
      }
      const payloadBytes = readU32(header, Offset.LENGTH);
      if (payloadBytes > this.payloadBytesMax) {
        return this.fail('frame too large', this.echoOf(header));
      }
      this.frameBytes = HEADER_BYTES + payloadBytes;
    }
    if (this.buffered < this.frameBytes) return null;
    const frame = this.take(this.frameBytes);
    this.frameBytes = -1;
    if (readU32(frame, Offset.CRC) !== frameCrc(frame)) {
      return this.fail('checksum mismatch', this.echoOf(frame));
    }
    this.decoded++;
    return this.layout.decode(frame);
  }

  /**
   * The `incomplete frame` error for a frame that started but did not finish (§3.7): it
   * echoes the header when all 32 bytes arrived (the magic is then known to be valid), else
   * request id 0 and version 1. Null when no frame has started.
   */
  incompleteFrameError(): FrameError | null {
    if (this.failure !== null || this.buffered === 0) return null;
    if (this.buffered < HEADER_BYTES) return new FrameError('incomplete frame', ZERO_ECHO);
    assert(this.frameBytes >= 0, 'a buffered header was checked');
    return new FrameError('incomplete frame', this.echoOf(this.peek(HEADER_BYTES)));
  }

  /** Drops everything buffered (a peer that half-closed mid-frame, §3.7). */
  discard(): void {
    this.parts = [];
    this.headOffset = 0;
    this.buffered = 0;
    this.frameBytes = -1;
  }

  private fail(reason: FrameErrorReason, echo: FrameEcho): FrameError {
    this.failure = new FrameError(reason, echo);
    this.discard();
    return this.failure;
  }

  private echoOf(header: Uint8Array): FrameEcho {
    return echoOfHeader(header, this.layout.versionOffset);
  }

  /** The first `length` buffered bytes, a view when they lie in one chunk (no consume). */
  private peek(length: number): Uint8Array {
    const head = this.parts[0]!;
    if (head.length - this.headOffset >= length) {
      return head.subarray(this.headOffset, this.headOffset + length);
    }
    assert(length <= this.scratch.length, 'peek is for headers');
    const out = this.scratch.subarray(0, length);
    this.copyOut(out, false);
    return out;
  }

  /** Consumes the first `length` buffered bytes: a view if they lie in one chunk, else a copy. */
  private take(length: number): Uint8Array {
    assert(length <= this.buffered, 'take past the buffered bytes');
    const head = this.parts[0]!;
    if (head.length - this.headOffset >= length) {
      const view = head.subarray(this.headOffset, this.headOffset + length);
      this.headOffset += length;
      this.buffered -= length;
      if (this.headOffset === head.length) this.dropHead();
      return view;
    }
    const out = new Uint8Array(length);
    this.copyOut(out, true);
    return out;
  }

  /** Copies the first `out.length` buffered bytes into `out`; consumes them if asked. */
  private copyOut(out: Uint8Array, consume: boolean): void {
    let filled = 0;
    let index = 0;
    let offset = this.headOffset;
    while (filled < out.length) {
      const part = this.parts[index]!;
      const count = Math.min(part.length - offset, out.length - filled);
      out.set(part.subarray(offset, offset + count), filled);
      filled += count;
      offset += count;
      if (offset === part.length) {
        index++;
        offset = 0;
      }
    }
    if (!consume) return;
    this.parts.splice(0, index);
    this.headOffset = offset;
    this.buffered -= out.length;
    if (this.parts.length > 0 && this.headOffset === this.parts[0]!.length) this.dropHead();
  }

  private dropHead(): void {
    this.parts.shift();
    this.headOffset = 0;
  }
}
