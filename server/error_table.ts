// The one map from engine error codes (engine/errors.ts ErrorCode) to wire status
// (flo-wire.md §5), and from wire status to HTTP status for the HTTP surface to come. The
// Record types make tsc fail when the engine adds a code that is not mapped here. Used by
// server/tcp/dispatch.ts to answer a handler's EngineError; nothing else maps errors.

import { EngineError, ErrorCode } from '../engine/mod.ts';
import { Status } from './wire/frame.ts';

/** Wire status for each engine error code. */
const statusByCode: Record<ErrorCode, Status> = {
  [ErrorCode.notFound]: Status.NOT_FOUND,
  [ErrorCode.conflict]: Status.CONFLICT,
  // A stale lease is an unknown task or message to the client (spec §7.6.8 `unknown task`).
  [ErrorCode.leaseExpired]: Status.NOT_FOUND,
  [ErrorCode.corruption]: Status.INTERNAL_ERROR,
  // Storage that cannot take writes, and a closing engine: not applied, say why (§5).
  [ErrorCode.storageIo]: Status.UNAVAILABLE,
  [ErrorCode.closed]: Status.UNAVAILABLE,
  [ErrorCode.protocol]: Status.BAD_REQUEST,
  [ErrorCode.overloaded]: Status.OVERLOADED,
  [ErrorCode.noActiveTransaction]: Status.NO_ACTIVE_TRANSACTION,
  [ErrorCode.crossNamespaceTransaction]: Status.CROSS_CORE_TRANSACTION,
  [ErrorCode.unauthorized]: Status.UNAUTHORIZED,
  [ErrorCode.invalidArgument]: Status.BAD_REQUEST,
};

/** HTTP status for each wire status. */
const httpByStatus: Record<Status, number> = {
  [Status.OK]: 200,
  [Status.ERROR_GENERIC]: 500,
  [Status.NOT_FOUND]: 404,
  [Status.BAD_REQUEST]: 400,
  [Status.CROSS_CORE_TRANSACTION]: 409,
  [Status.NO_ACTIVE_TRANSACTION]: 404,
  [Status.GROUP_LOCKED]: 409,
  [Status.UNAUTHORIZED]: 401,
  [Status.CONFLICT]: 409,
  [Status.INTERNAL_ERROR]: 500,
  [Status.OVERLOADED]: 503,
  [Status.RATE_LIMITED]: 429,
  [Status.UNAVAILABLE]: 503,
};

/** The wire status of an engine error code. */
export function wireStatusOf(code: ErrorCode): Status {
  return statusByCode[code];
}

/** The HTTP status of a wire status. */
export function httpStatusOf(status: Status): number {
  return httpByStatus[status];
}

/**
 * The wire status and message for `error` when it is an engine condition or a bad argument
 * (TypeError/RangeError), or null when it is neither (a bug: the caller answers
 * INTERNAL_ERROR and reports it).
 */
export function engineErrorReply(error: unknown): { status: Status; message: string } | null {
  // The engine throws TypeError/RangeError for bad arguments (STYLE §5): the caller's mistake.
  if (error instanceof TypeError || error instanceof RangeError) {
    return { status: Status.BAD_REQUEST, message: error.message };
  }
  if (!(error instanceof EngineError)) return null;
  const status = statusByCode[error.code];
  return status === undefined ? null : { status, message: error.message };
}
