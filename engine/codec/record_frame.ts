// CRC-framed records for small append-only metadata files (LSM manifest, checkpoints): the
// LevelDB log idea without its 32 KiB blocks, since these files are small and read whole.
//
//   frame := crc32:u32 LE | length:u32 LE | payload:length bytes
//
// The CRC (engine/codec/crc32.ts) covers the length field and the payload, so a flipped
// length bit is caught like a flipped payload bit. A zeroed tail never validates (the CRC of
// a zero length is not zero). Policy (truncate a torn tail, refuse corruption) belongs to the
// caller: scanFrames only reports where and why it stopped. Format: docs/format/manifest.md.

import { crc32 } from './crc32.ts';
import { readU32, writeU32 } from './bytes.ts';

/** Bytes of the frame header (crc + length). Part of the on-disk format; do not change. */
export const FRAME_HEADER_BYTES = 8;

/** Encodes one frame around `payload`. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  writeU32(frame, 4, payload.length);
  frame.set(payload, FRAME_HEADER_BYTES);
  writeU32(frame, 0, crc32(frame.subarray(4)));
  return frame;
}

/** Why a scan stopped. */
export type FrameStop =
  | 'end' // every byte belonged to a valid frame
  | 'torn' // the last frame's header or payload runs past the end of the data
  | 'too-large' // a length field above the caller's limit
  | 'checksum'; // a frame whose CRC does not match

export interface FrameScan {
  /** Payloads of the valid frames, in order (views into the scanned buffer). */
  payloads: Uint8Array[];
  /** Bytes covered by the valid frames: where a torn tail would be cut. */
  validBytes: number;
  stop: FrameStop;
}

/**
 * Reads frames from the start of `data` until the end or the first bad frame.
 * @param payloadBytesMax a length above this is reported as 'too-large' before any use.
 */
export function scanFrames(data: Uint8Array, payloadBytesMax: number): FrameScan {
  const payloads: Uint8Array[] = [];
  let position = 0;
  for (;;) {
    if (position === data.length) return { payloads, validBytes: position, stop: 'end' };
    if (data.length - position < FRAME_HEADER_BYTES) {
      return { payloads, validBytes: position, stop: 'torn' };
    }
    const length = readU32(data, position + 4);
    if (length > payloadBytesMax) return { payloads, validBytes: position, stop: 'too-large' };
    const end = position + FRAME_HEADER_BYTES + length;
    if (end > data.length) return { payloads, validBytes: position, stop: 'torn' };
    if (crc32(data.subarray(position + 4, end)) !== readU32(data, position)) {
      return { payloads, validBytes: position, stop: 'checksum' };
    }
    payloads.push(data.subarray(position + FRAME_HEADER_BYTES, end));
    position = end;
  }
}
