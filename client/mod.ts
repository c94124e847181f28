// The client's public API: FloConnection (one pipelined, id-matched connection) and the typed
// errors. The per-family APIs (kv, queue, stream, action) will be built on FloConnection.
// Re-exports the wire pieces a caller needs to build requests (op codes, option tags).

export { FloConnection } from './connection.ts';
export type { CallOptions, ConnectionOptions, WireReply } from './connection.ts';
export {
  errorForStatus,
  FloBadRequestError,
  FloClosedError,
  FloConflictError,
  FloConnectionError,
  FloError,
  FloInternalError,
  FloNotFoundError,
  FloOverloadedError,
  FloProtocolError,
  FloStatusError,
  FloTimeoutError,
  FloTransactionError,
  FloUnauthorizedError,
  FloUnavailableError,
} from './errors.ts';
export { OpCode } from '../server/wire/opcodes.ts';
export { OptionTag } from '../server/wire/option_tags.ts';
export { OptionsWriter } from '../server/wire/options.ts';
export { Status } from '../server/wire/frame.ts';
