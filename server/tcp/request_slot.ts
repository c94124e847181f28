// RequestSlot: one request from arrival to reply on a Connection. It is the reply's echo (the
// request id halves, version and reserved bytes), its place in the connection's reply order,
// and the RequestContext its handler gets (auth, park, a lazily created AbortSignal: most
// requests never look at it, and an AbortController per request is not free).
// States: pending -> settled (answered, or dropped when reply is null); a pending slot may be
// parked first. Owned by Connection; nothing else creates one.

import type { AuthState, Reply, RequestContext } from '../handler.ts';
import type { FrameEcho, RequestFrame } from '../wire/frame.ts';
import { opInfo, type OpInfo } from '../wire/opcodes.ts';

/** The parts of a Connection a slot calls back into. */
export interface SlotOwner {
  readonly id: number;
  auth: AuthState;
  park(slot: RequestSlot): boolean;
}

export class RequestSlot implements FrameEcho, RequestContext {
  readonly requestIdLo: number;
  readonly requestIdHi: number;
  readonly version: number;
  readonly reserved: Uint8Array;
  /** The op, or undefined for an unknown code (answered before any handler runs). */
  readonly op: OpInfo | undefined;
  /** Monotonic arrival time (ms), for the latency metrics. */
  readonly startedMs: number;
  settled = false;
  parked = false;
  /** The answer once settled; null when the request was dropped without a reply. */
  reply: Reply | null = null;
  private readonly owner: SlotOwner;
  private controller: AbortController | null = null;
  private aborted = false;

  constructor(owner: SlotOwner, frame: RequestFrame, startedMs: number) {
    this.owner = owner;
    this.startedMs = startedMs;
    this.requestIdLo = frame.requestIdLo;
    this.requestIdHi = frame.requestIdHi;
    this.version = frame.version;
    this.reserved = frame.reserved;
    this.op = opInfo(frame.opCode);
  }

  get auth(): AuthState {
    return this.owner.auth;
  }

  setAuth(state: AuthState): void {
    this.owner.auth = state;
  }

  get connectionId(): number {
    return this.owner.id;
  }

  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort();
    }
    return this.controller.signal;
  }

  park(): boolean {
    return this.owner.park(this);
  }

  /** Aborts the signal (now, or when it is first asked for). */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.controller?.abort();
  }
}
