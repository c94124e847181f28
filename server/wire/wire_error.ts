// WireError: a request-level error (flo-wire.md §3.5) raised while reading a request's
// envelope, options or value. It carries the reply status and the message the error reply
// sends; the connection stays open. Frame-level errors (§3.6) are not thrown: the decoder
// returns them as FrameError results (decoder.ts).

import { Status } from './frame.ts';

/** A request-level protocol error: answered with `status` and `message`, connection open. */
export class WireError extends Error {
  readonly status: Status;

  constructor(status: Status, message: string) {
    super(message);
    this.name = 'WireError';
    this.status = status;
  }
}

/** BAD_REQUEST `malformed envelope: …` (§4.1). */
export function malformedEnvelope(detail: string): WireError {
  return new WireError(Status.BAD_REQUEST, `malformed envelope: ${detail}`);
}

/** BAD_REQUEST `malformed option: …` (§4.2, §4.3). */
export function malformedOption(detail: string): WireError {
  return new WireError(Status.BAD_REQUEST, `malformed option: ${detail}`);
}

/** BAD_REQUEST `malformed value: …` (§3.5). */
export function malformedValue(detail: string): WireError {
  return new WireError(Status.BAD_REQUEST, `malformed value: ${detail}`);
}

/** BAD_REQUEST with a message naming what was wrong (limits, ranges, required fields). */
export function badRequest(message: string): WireError {
  return new WireError(Status.BAD_REQUEST, message);
}
