// The system family (flo-wire.md §7.1.1, §7.1.2, §7.1.4), which needs no engine: PING, AUTH
// and the single-node CLUSTER_STATUS / CLUSTER_MEMBERS stubs. Also the example of how a family
// plugs in: one function that registers a Handler per op code in the HandlerTable.
// (Authentication enforcement itself, "authentication required" and the namespace lock, is
// applied to every request by server/tcp/dispatch.ts before any handler runs.)

import { Buffer } from 'node:buffer';
import { fail, ok, type Reply } from '../handler.ts';
import type { HandlerTable } from '../handler_table.ts';
import { BodyWriter } from '../wire/body_writer.ts';
import { Status } from '../wire/frame.ts';
import { OpCode } from '../wire/opcodes.ts';
import type { Authenticator } from './authenticator.ts';

export interface SystemOptions {
  readonly authenticator: Authenticator;
  /** This node's id (default node-1). */
  readonly nodeId: string;
  /** `<host>:<port>` of the listener, as CLUSTER_MEMBERS reports it. */
  readonly address: () => string;
}

/** Longest AUTH token (bytes). */
const tokenBytesMax = 4096;
const AUTH_OFF_REPLY = new BodyWriter(4).utf8U16('').utf8U16('').toBytes();

export function registerSystemHandlers(table: HandlerTable, options: SystemOptions): void {
  const { authenticator, nodeId } = options;
  table.register(OpCode.PING, () => ok());
  table.register(OpCode.AUTH, (request, context): Reply => {
    // With authentication off, AUTH always succeeds with no subject and no lock.
    if (!authenticator.enabled) return ok(AUTH_OFF_REPLY);
    if (request.value.length > tokenBytesMax) {
      return fail(Status.BAD_REQUEST, `token too large: ${request.value.length} bytes`);
    }
    const state = authenticator.verify(request.value);
    if (state === null) return fail(Status.UNAUTHORIZED, 'invalid token');
    context.setAuth(state);
    const body = new BodyWriter(8).utf8U16(state.subject).utf8U16(state.namespaceLock ?? '');
    return ok(body.toBytes());
  });
  const json = (value: unknown): Reply => ok(Buffer.from(JSON.stringify(value), 'utf8'));
  table.register(OpCode.CLUSTER_STATUS, () =>
    json({ mode: 'single', node_id: nodeId, role: 'leader', leader_id: nodeId, members: 1 }),
  );
  table.register(OpCode.CLUSTER_MEMBERS, () =>
    json([{ node_id: nodeId, address: options.address(), role: 'leader', healthy: true }]),
  );
}
