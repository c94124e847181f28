// Connection: one client socket, implementing flo-wire.md §3. Frames are decoded as they
// arrive and each request is started at once, in arrival order (§3.2.1), whether or not
// earlier ones have finished. Replies of immediate requests leave in arrival order through
// `order`; a request whose handler parks leaves that order and is answered when it completes
// (§3.2.3). What is answered in one event-loop turn goes out in one socket write, or in parts
// of about flushEarlyBytes when more piles up.
//
// Bounds: requests in flight per connection (the excess is answered OVERLOADED at once, not
// run); parked requests server-wide (ParkBudget); the write buffer (reading stops above the
// high-water mark and resumes on 'drain', so memory does not grow with what a peer sends);
// the time to receive one started frame (§3.7). Never a timeout between frames.
//
// Ending: a frame-level error (§3.6) stops reading, drops parked requests, lets the immediate
// ones finish (for at most closeGraceMs), sends exactly one error frame and FIN. A peer that
// half-closes gets the same without the error frame. shutdown() (§3.8) answers parked requests
// with their timeout outcome instead of dropping them. States: open -> draining -> closed.
// Every request, byte and frame error is reported to the config's ConnectionObserver
// (server/metrics/server_metrics.ts), which only adds to numbers.

import { ok as assert } from 'node:assert/strict';
import type { Socket } from 'node:net';
import type { Clock, Timer } from '../../engine/mod.ts';
import { fail, UNAUTHENTICATED, type AuthState, type Reply } from '../handler.ts';
import { FrameDecoder, FrameError, requestLayout } from '../wire/decoder.ts';
import { FrameEncoder } from '../wire/encoder.ts';
import { flushEarlyBytes } from '../wire/limits.ts';
import { Status, type RequestFrame } from '../wire/frame.ts';
import { timeoutReply } from '../wire/opcodes.ts';
import type { ConnectionObserver } from '../metrics/server_metrics.ts';
import type { Dispatcher } from './dispatch.ts';
import { RequestSlot, type SlotOwner } from './request_slot.ts';

/** The server-wide count of parked requests and its bound. */
export class ParkBudget {
  readonly max: number;
  private parked = 0;

  constructor(max: number) {
    assert(Number.isSafeInteger(max) && max >= 0, 'parked limit');
    this.max = max;
  }

  get count(): number {
    return this.parked;
  }

  tryAcquire(): boolean {
    if (this.parked >= this.max) return false;
    this.parked++;
    return true;
  }

  release(): void {
    assert(this.parked > 0, 'release without acquire');
    this.parked--;
  }
}

export interface ConnectionConfig {
  readonly dispatcher: Dispatcher;
  readonly clock: Clock;
  readonly payloadBytesMax: number;
  readonly inFlightMax: number;
  readonly incompleteFrameMs: number;
  /** How long a frame-level error waits for immediate requests before its error frame. */
  readonly closeGraceMs: number;
  /** Bytes of replies gathered before they are written without waiting for the turn's end. */
  readonly writeHighWaterBytes: number;
  readonly parkBudget: ParkBudget;
  /** Told about connections, bytes, requests and frame errors (metrics). */
  readonly observer: ConnectionObserver;
}

/** An observer that records nothing (servers started without metrics, tests). */
export const NO_OBSERVER: ConnectionObserver = {
  connectionOpened: () => {},
  connectionClosed: () => {},
  received: () => {},
  sent: () => {},
  requestDone: () => {},
  frameError: () => {},
};

type ConnectionState = 'open' | 'draining' | 'closed';
type DrainCause = 'frame error' | 'peer end' | 'shutdown';

/** Expensive self-checks run when the process was started with INVARIANTS=1 (tests). */
const invariantsEnabled = process.env['INVARIANTS'] === '1';
/** After FIN, how long the peer has to close before the socket is destroyed. */
const LINGER_MS = 2_000;
const ORDER_COMPACT_MIN = 1024;

export class Connection implements SlotOwner {
  readonly id: number;
  auth: AuthState = UNAUTHENTICATED;
  /** Resolves once the socket has closed. */
  readonly closed: Promise<void>;
  private readonly socket: Socket;
  private readonly config: ConnectionConfig;
  private readonly decoder: FrameDecoder<RequestFrame>;
  private readonly encoder = new FrameEncoder();
  /** Requests in arrival order; order[orderHead] is the oldest not yet passed on. */
  private order: (RequestSlot | undefined)[] = [];
  private orderHead = 0;
  private readonly parked = new Set<RequestSlot>();
  private inFlight = 0;
  private state: ConnectionState = 'open';
  private finalError: FrameError | null = null;
  private flushScheduled = false;
  private flushQueued = false;
  /** Set while pump() starts frames: replies made then may still be joined by more. */
  private pumping = false;
  private writeBlocked = false;
  private incompleteTimer: Timer | null = null;
  private incompleteFrameIndex = -1;
  private drainTimer: Timer | null = null;
  private lingerTimer: Timer | null = null;
  private resolveClosed!: () => void;

  constructor(socket: Socket, config: ConnectionConfig, id: number) {
    assert(config.inFlightMax >= 1, 'in-flight limit');
    assert(config.incompleteFrameMs > 0 && config.closeGraceMs >= 0, 'timers');
    this.id = id;
    this.socket = socket;
    this.config = config;
    this.decoder = new FrameDecoder(requestLayout, config.payloadBytesMax);
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('end', () => this.onPeerEnd());
    socket.on('error', () => {
      // 'close' follows every 'error'; onClose cleans up. Nothing to add here.
    });
    socket.on('close', () => this.onClose());
    config.observer.connectionOpened();
  }

  /** Graceful shutdown (§3.8); resolves when the socket has closed. */
  shutdown(graceMs: number): Promise<void> {
    this.beginDrain('shutdown', graceMs);
    return this.closed;
  }

  /** Closes at once, dropping everything (a shutdown whose grace ran out). */
  destroy(): void {
    this.socket.destroy();
  }

  park(slot: RequestSlot): boolean {
    const timeout = slot.op?.timeout ?? null;
    assert(timeout !== null, `only the blocking ops of §3.3 park, not ${slot.op?.name}`);
    if (slot.settled) return false;
    if (slot.parked) return true;
    if (this.state !== 'open' || !this.config.parkBudget.tryAcquire()) {
      // §3.3: over the parked limit (or closing), the request gets its timeout outcome now.
      this.settle(slot, timeoutReply(timeout));
      slot.abort();
      return false;
    }
    slot.parked = true;
    this.parked.add(slot);
    this.drainOrder();
    return true;
  }

  private onData(chunk: Buffer): void {
    if (this.state !== 'open') return;
    this.config.observer.received(chunk.length);
    this.decoder.push(chunk);
    this.pump();
  }

  private onlyParkedLeft(): boolean {
    return !this.pumping && this.inFlight === this.parked.size;
  }

  /** Starts every complete frame the decoder holds, unless writes are blocked. */
  private pump(): void {
    this.pumping = true;
    try {
      this.pumpFrames();
    } finally {
      this.pumping = false;
    }
    if (this.encoder.pendingBytes > 0 && this.onlyParkedLeft()) this.flush();
    this.armIncompleteTimer();
  }

  private pumpFrames(): void {
    while (this.state === 'open' && !this.writeBlocked) {
      const result = this.decoder.next();
      if (result === null) break;
      if (result instanceof FrameError) {
        this.finalError = result;
        this.config.observer.frameError(result.reason);
        this.beginDrain('frame error', this.config.closeGraceMs);
        return;
      }
      this.start(result);
    }
  }

  private start(frame: RequestFrame): void {
    if (this.inFlight >= this.config.inFlightMax) {
      // §3.2.7: answered at once, not run, and not queued behind earlier replies.
      this.encoder.appendReplyMessage(frame, Status.OVERLOADED, 'too many requests in flight');
      this.config.observer.requestDone(frame.opCode, Status.OVERLOADED, 0);
      this.scheduleFlush();
      return;
    }
    const slot = new RequestSlot(this, frame, this.config.clock.monotonicMs());
    this.inFlight++;
    this.order.push(slot);
    let result: Reply | Promise<Reply>;
    try {
      result = this.config.dispatcher.dispatch(frame, slot);
    } catch (error) {
      // The dispatcher turns handler failures into replies; this is a fault of its own.
      result = fail(Status.INTERNAL_ERROR, `internal error: ${String(error)}`);
    }
    if (result instanceof Promise) result.then((reply) => this.settle(slot, reply));
    else this.settle(slot, result);
  }

  /** Records the answer of `slot` (null: dropped) and passes on what may now be written. */
  private settle(slot: RequestSlot, reply: Reply | null): void {
    if (slot.settled) return;
    slot.settled = true;
    slot.reply = reply;
    this.inFlight--;
    assert(this.inFlight >= 0, 'in-flight count');
    this.config.observer.requestDone(slot.op?.code ?? -1, reply?.status ?? -1,
      this.config.clock.monotonicMs() - slot.startedMs);
    if (!slot.parked) {
      this.drainOrder();
    } else {
      this.parked.delete(slot);
      this.config.parkBudget.release();
      if (reply !== null && this.state !== 'closed') {
        this.encoder.appendReply(slot, reply.status, reply.body);
        this.scheduleFlush();
      }
    }
    if (invariantsEnabled) this.checkInvariants();
  }

  /**
   * Every request counted in flight is either waiting in the reply order or parked; parked
   * slots are unanswered; the order holds no answered slot at its head.
   */
  checkInvariants(): void {
    let waiting = 0;
    for (let index = this.orderHead; index < this.order.length; index++) {
      const slot = this.order[index]!;
      if (!slot.settled && !slot.parked) waiting++;
    }
    for (const slot of this.parked) assert(slot.parked && !slot.settled, 'parked slot state');
    assert(waiting + this.parked.size === this.inFlight, 'in-flight count matches the slots');
    const head = this.order[this.orderHead];
    assert(head === undefined || (!head.settled && !head.parked), 'the order head is pending');
  }

  /** Appends the replies at the head of the arrival order that are ready, in order. */
  private drainOrder(): void {
    const order = this.order;
    while (this.orderHead < order.length) {
      const slot = order[this.orderHead]!;
      if (!slot.settled && !slot.parked) break;
      // A parked slot answers on its own; a dropped one (reply null) not at all.
      if (!slot.parked && slot.reply !== null && this.state !== 'closed') {
        this.encoder.appendReply(slot, slot.reply.status, slot.reply.body);
      }
      order[this.orderHead++] = undefined;
    }
    if (this.orderHead === order.length) {
      this.order = [];
      this.orderHead = 0;
    } else if (this.orderHead >= ORDER_COMPACT_MIN && this.orderHead * 2 >= order.length) {
      this.order = order.slice(this.orderHead);
      this.orderHead = 0;
    }
    if (this.encoder.pendingBytes > 0) this.scheduleFlush();
    if (this.state === 'draining' && this.order.length === 0) this.finishDrain();
  }

  // Replies go out once per turn, or at once when flushEarlyBytes have piled up: a large
  // pipelined read then answers in parts, and the peer works on the first replies while this
  // side encodes the rest (one write per turn made both ends wait for each other in turn:
  // PINGs 256 in flight went from ~120 000/s to 240 000-277 000/s on 2 cores: cfc08c8).
  // When nothing but parked requests is left to answer, only replies settled in this
  // microtask checkpoint can join the write (a wave of parked requests woken by one write),
  // so they go from a microtask: a request alone on its connection saves the turn its reply
  // would wait for, and a wave still leaves in one write.
  private scheduleFlush(): void {
    // (A write high-water mark below flushEarlyBytes lowers the threshold.)
    if (this.encoder.pendingBytes >= Math.min(flushEarlyBytes, this.config.writeHighWaterBytes)) {
      this.flush();
      return;
    }
    if (this.onlyParkedLeft()) {
      if (this.flushQueued) return;
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
      return;
    }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    this.flushQueued = false;
    const bytes = this.encoder.take();
    if (bytes === null || this.state === 'closed' || this.socket.destroyed) return;
    this.config.observer.sent(bytes.length);
    if (!this.socket.write(bytes) && !this.writeBlocked && this.state === 'open') {
      // Backpressure: stop reading until the peer has taken our replies.
      this.writeBlocked = true;
      this.socket.pause();
      this.cancelIncompleteTimer();
    }
  }

  private onDrain(): void {
    if (!this.writeBlocked) return;
    this.writeBlocked = false;
    if (this.state !== 'open') return;
    this.socket.resume();
    this.pump();
  }

  private armIncompleteTimer(): void {
    if (this.state !== 'open' || this.writeBlocked || this.decoder.bufferedBytes === 0) {
      this.cancelIncompleteTimer();
      return;
    }
    // The same partial frame as when the timer was armed: keep counting from its first byte.
    if (this.incompleteTimer !== null && this.incompleteFrameIndex === this.decoder.framesDecoded) {
      return;
    }
    this.cancelIncompleteTimer();
    this.incompleteFrameIndex = this.decoder.framesDecoded;
    this.incompleteTimer = this.config.clock.setTimer(this.config.incompleteFrameMs, () => {
      this.incompleteTimer = null;
      const error = this.decoder.incompleteFrameError();
      if (error === null || this.state !== 'open') return;
      this.finalError = error;
      this.config.observer.frameError(error.reason);
      this.beginDrain('frame error', this.config.closeGraceMs);
    });
  }

  private cancelIncompleteTimer(): void {
    this.incompleteTimer?.cancel();
    this.incompleteTimer = null;
  }

  private onPeerEnd(): void {
    if (this.state !== 'open') return;
    this.pump();
    // §3.7: a partial frame at the peer's FIN is discarded, never run.
    if (this.state === 'open') this.beginDrain('peer end', this.config.closeGraceMs);
  }

  /** Stops reading; settles parked requests by `cause`; waits for the immediate ones. */
  private beginDrain(cause: DrainCause, graceMs: number): void {
    if (this.state !== 'open') return;
    this.state = 'draining';
    this.socket.pause();
    this.cancelIncompleteTimer();
    this.decoder.discard();
    for (const slot of [...this.parked]) {
      this.settle(slot, cause === 'shutdown' ? timeoutReply(slot.op!.timeout!) : null);
      slot.abort();
    }
    this.drainTimer = this.config.clock.setTimer(graceMs, () => this.dropUnfinished());
    this.drainOrder();
  }

  /** The grace period ran out: requests still running are dropped without replies. */
  private dropUnfinished(): void {
    this.drainTimer = null;
    if (this.state !== 'draining') return;
    for (const slot of this.unanswered()) {
      slot.abort();
      this.settle(slot, null);
    }
    this.drainOrder();
  }

  /** The requests in the reply order that have no answer yet (a copy: settling edits it). */
  private unanswered(): RequestSlot[] {
    const slots: RequestSlot[] = [];
    for (let index = this.orderHead; index < this.order.length; index++) {
      const slot = this.order[index]!;
      if (!slot.settled) slots.push(slot);
    }
    return slots;
  }

  private finishDrain(): void {
    assert(this.state === 'draining' && this.order.length === 0, 'drained');
    this.drainTimer?.cancel();
    this.drainTimer = null;
    if (this.finalError !== null) {
      const { echo, reason } = this.finalError;
      this.encoder.appendReplyMessage(echo, Status.BAD_REQUEST, reason);
      this.finalError = null;
    }
    this.flush();
    this.socket.end();
    // Read again (onData drops what arrives now): a paused socket never sees the peer's FIN,
    // so a peer that sent anything after the drain began would be held for the whole linger.
    this.socket.resume();
    this.lingerTimer = this.config.clock.setTimer(LINGER_MS, () => this.socket.destroy());
  }

  private onClose(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.config.observer.connectionClosed();
    this.cancelIncompleteTimer();
    this.drainTimer?.cancel();
    for (const slot of [...this.parked]) {
      slot.abort();
      this.settle(slot, null);
    }
    for (const slot of this.unanswered()) {
      slot.abort();
      this.settle(slot, null);
    }
    this.order = [];
    this.orderHead = 0;
    this.lingerTimer?.cancel();
    this.resolveClosed();
  }
}
