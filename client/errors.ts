// The client's errors. FloStatusError carries a non-OK reply's status and message, with a
// subclass for each status a caller branches on (errorForStatus picks it); the others are for
// the connection itself: it could not connect or was lost (FloConnectionError, the request
// may or may not have been applied), a reply did not come in time (FloTimeoutError), the
// server sent bytes that are not a valid reply (FloProtocolError), or the client was closed.

import { Buffer } from 'node:buffer';
import { Status, statusName } from '../server/wire/frame.ts';

/** Base of every error the client raises; `code` is stable. */
export class FloError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FloError';
    this.code = code;
  }
}

/** The server answered with a non-OK status. */
export class FloStatusError extends FloError {
  readonly status: number;

  constructor(status: number, message: string) {
    super(statusName(status), message);
    this.name = 'FloStatusError';
    this.status = status;
  }
}

export class FloNotFoundError extends FloStatusError {}
export class FloBadRequestError extends FloStatusError {}
export class FloConflictError extends FloStatusError {}
export class FloUnauthorizedError extends FloStatusError {}
/** Not executed because of load: safe to retry. */
export class FloOverloadedError extends FloStatusError {}
/** The server cannot take writes now; the request was not applied. */
export class FloUnavailableError extends FloStatusError {}
/** An unexpected server fault: the request's effect is unknown; do not retry blindly. */
export class FloInternalError extends FloStatusError {}
export class FloTransactionError extends FloStatusError {}

const classes = new Map<number, new (status: number, message: string) => FloStatusError>([
  [Status.NOT_FOUND, FloNotFoundError],
  [Status.BAD_REQUEST, FloBadRequestError],
  [Status.CONFLICT, FloConflictError],
  [Status.UNAUTHORIZED, FloUnauthorizedError],
  [Status.OVERLOADED, FloOverloadedError],
  [Status.UNAVAILABLE, FloUnavailableError],
  [Status.INTERNAL_ERROR, FloInternalError],
  [Status.NO_ACTIVE_TRANSACTION, FloTransactionError],
  [Status.CROSS_CORE_TRANSACTION, FloTransactionError],
]);

/** The error for a non-OK reply; an empty body gets a default text (as the SDKs do). */
export function errorForStatus(status: number, body: Uint8Array): FloStatusError {
  const text = Buffer.from(body).toString('utf8');
  const message = text === '' ? statusName(status).toLowerCase().replaceAll('_', ' ') : text;
  const ErrorClass = classes.get(status) ?? FloStatusError;
  const error = new ErrorClass(status, message);
  error.name = ErrorClass.name;
  return error;
}

/** Could not connect, or the connection was lost with the request in flight. */
export class FloConnectionError extends FloError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONNECTION', message, options);
    this.name = 'FloConnectionError';
  }
}

/** No reply within the call's time (its timeout plus its block_ms). */
export class FloTimeoutError extends FloError {
  constructor(message: string) {
    super('TIMEOUT', message);
    this.name = 'FloTimeoutError';
  }
}

/** The server sent bytes that are not a valid reply; the connection was closed. */
export class FloProtocolError extends FloError {
  constructor(message: string) {
    super('PROTOCOL', message);
    this.name = 'FloProtocolError';
  }
}

/** The client was closed by its owner. */
export class FloClosedError extends FloError {
  constructor(message: string) {
    super('CLOSED', message);
    this.name = 'FloClosedError';
  }
}
