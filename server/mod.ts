// The server's public API: startFloServer() serves an open engine over the Flo protocol and
// HTTP (health, metrics); startServer() runs the protocol alone with the system family built
// in and the engine families registered through `register`. Also re-exports the handler
// interface and the metrics registry (for families), and the wire codec (for the CLI, tools
// and benchmarks, which may import only mod.ts files). server/ translates and delegates: no
// engine logic here.

export { startServer, type FloServer, type ServerOptions } from './start_server.ts';
export {
  startFloServer, type FloServerConfig, type RunningFloServer,
} from './flo_server.ts';
export { engineFamilies, type FamilyContext, type RegisterFamily } from './handlers/families.ts';
export {
  MetricsRegistry, Counter, Gauge, Histogram, type Sample, type HistogramSample,
} from './metrics/registry.ts';
export type { HealthReport } from './http/http_listener.ts';
export { floVersion } from './version.ts';
export type { AuthState, Handler, HandlerRequest, Reply, RequestContext } from './handler.ts';
export { ok, fail, UNAUTHENTICATED } from './handler.ts';
export { HandlerTable } from './handler_table.ts';
export type { AuthConfig } from './system/authenticator.ts';
export { wireStatusOf, httpStatusOf } from './error_table.ts';
export { Status, statusName, RESERVED_V1, TABLE_HASH, HEADER_BYTES } from './wire/frame.ts';
export type { FrameEcho, RequestFrame, ReplyFrame } from './wire/frame.ts';
export { FrameDecoder, FrameError, requestLayout, replyLayout } from './wire/decoder.ts';
export { FrameEncoder, encodeReply, encodeRequest } from './wire/encoder.ts';
export { parseEnvelope, type Envelope } from './wire/envelope.ts';
export { OpCode, opInfo, opName, type OpInfo, type OpName } from './wire/opcodes.ts';
export { OptionTag } from './wire/option_tags.ts';
export { OptionsWriter, TlvOptions, type StreamId } from './wire/options.ts';
export { BodyReader } from './wire/body_reader.ts';
export { BodyWriter } from './wire/body_writer.ts';
export { WireError } from './wire/wire_error.ts';
export { wireLimitsDefault, type WireLimits } from './wire/limits.ts';
