// The engine's error types. Every error a caller may branch on has a stable string `code`
// (after undici and hypercore) and an optional `cause`. Subclasses exist only for conditions
// callers branch on; bad arguments throw the built-in TypeError or RangeError (Deno std).
// AssertionError (engine/assert.ts) is a bug, never a condition: only the process top level
// catches it. server/error_table.ts is the one map from these codes to wire and HTTP statuses.

/** Stable error codes. Part of the public API: never rename a code, only add. */
export const ErrorCode = {
  notFound: 'NOT_FOUND',
  conflict: 'CONFLICT',
  leaseExpired: 'LEASE_EXPIRED',
  corruption: 'CORRUPTION',
  storageIo: 'STORAGE_IO',
  protocol: 'PROTOCOL',
  closed: 'CLOSED',
  overloaded: 'OVERLOADED',
  noActiveTransaction: 'NO_ACTIVE_TRANSACTION',
  crossNamespaceTransaction: 'CROSS_NAMESPACE_TRANSACTION',
  unauthorized: 'UNAUTHORIZED',
  invalidArgument: 'INVALID_ARGUMENT',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorOptions {
  cause?: unknown;
}

/** Base class of every condition the engine reports on purpose. */
export class EngineError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EngineError';
    this.code = code;
  }
}

/** The addressed key, message, stream, group, run, task or action does not exist. */
export class NotFoundError extends EngineError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCode.notFound, message, options);
    this.name = 'NotFoundError';
  }
}

/** A condition (CAS version, if-not-exists, if-exists, uniqueness) did not hold. */
export class ConflictError extends EngineError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCode.conflict, message, options);
    this.name = 'ConflictError';
  }
}

/** The lease the caller names is no longer held by it (expired, or handed to someone else). */
export class LeaseExpiredError extends EngineError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCode.leaseExpired, message, options);
    this.name = 'LeaseExpiredError';
  }
}

/**
 * Stored bytes failed a checksum or a structural check somewhere recovery may not silently
 * truncate. Names the file and the byte offset of the first bad byte.
 */
export class CorruptionError extends EngineError {
  readonly file: string;
  readonly offsetBytes: number;

  constructor(file: string, offsetBytes: number, what: string, options?: ErrorOptions) {
    super(ErrorCode.corruption, `${what} in "${file}" at offset ${offsetBytes}`, options);
    this.name = 'CorruptionError';
    this.file = file;
    this.offsetBytes = offsetBytes;
  }
}

/**
 * A read, write or fsync failed in the operating system. After a failed write or fsync the
 * owner stays failed and every later write gets this same error: an fsync is never retried.
 */
export class StorageIoError extends EngineError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCode.storageIo, message, options);
    this.name = 'StorageIoError';
  }
}

/** Bytes received from a peer do not follow the Flo wire protocol. */
export class ProtocolError extends EngineError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCode.protocol, message, options);
    this.name = 'ProtocolError';
  }
}

/** The object was closed (or is closing) and takes no more calls. */
export class ClosedError extends EngineError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCode.closed, message, options);
    this.name = 'ClosedError';
  }
}

/** A bound was reached (memory, ready messages, L0 tables); nothing was applied. Retry later. */
export class OverloadedError extends EngineError {
  constructor(message: string, options?: ErrorOptions) {
    super(ErrorCode.overloaded, message, options);
    this.name = 'OverloadedError';
  }
}

/** Wraps an operating-system error with the operation and path, keeping the cause. */
export function storageIoError(operation: string, path: string, cause: unknown): StorageIoError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new StorageIoError(`Cannot ${operation} "${path}": ${detail}`, { cause });
}
