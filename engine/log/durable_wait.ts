// A promise with its settlers, for a batch that many writers await and one place settles
// when the log says it is durable: the LSM's WAL group, the queue's event batch and the
// action writer's turn batch.

/** What a batch's writers await, and how its owner settles it. */
export interface DurableWait {
  readonly durable: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A pending wait. Its rejection counts as handled: writers attach their own handlers, and a
 * write whose caller ignores `durable` must not turn a failure into an unhandled rejection.
 */
export function durableWait(): DurableWait {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const durable = new Promise<void>((onResolve, onReject) => {
    resolve = onResolve;
    reject = onReject;
  });
  durable.catch(() => undefined);
  return { durable, resolve, reject };
}
