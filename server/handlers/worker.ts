// The worker family (flo-wire.md §7.7) over the engine's WorkerRegistry (flo.worker):
// register (replaces everything, ends a drain), heartbeat (the load; answers the status),
// deregister (unknown ids are fine; running tasks keep their leases), the paged list, info
// and drain (awaits answer empty at once, heartbeats 2). Labels are the top-level members of
// the metadata object; ACTION_AWAIT routes runs by them (engine/action/labels.ts).
//
// List entry (WORKER_LIST, and WORKER_INFO before its metadata and machine id):
//   [worker_id_len:u16][worker_id][worker_type:u8][status:u8][max_concurrency:u32]
//   [current_load:u32][last_seen_ms:i64][n:u16]( [name_len:u16][name][kind:u8] )*

import { Buffer } from 'node:buffer';
import {
  WorkerStatusCode, type WorkerInfo, type WorkerRegistry,
} from '../../engine/mod.ts';
import { ok, type HandlerRequest, type Reply } from '../handler.ts';
import type { HandlerTable } from '../handler_table.ts';
import { BodyReader } from '../wire/body_reader.ts';
import { BodyWriter } from '../wire/body_writer.ts';
import { nameBytesMax } from '../wire/limits.ts';
import { OpCode } from '../wire/opcodes.ts';
import { workerRegistrationOf } from './action_args.ts';
import { fittedPage, nameOf, pageRequestOf, writePageTrailer } from './handler_args.ts';

/** Count and page trailer with a cursor of 0x01 and an id. */
const PAGE_FIXED_BYTES = 4 + 3 + 1 + nameBytesMax;

type WorkerHandler = (request: HandlerRequest) => Promise<Reply>;

/** Registers every op of §7.7 on `table`. */
export function registerWorkerHandlers(
  table: HandlerTable,
  registry: WorkerRegistry,
  replyBytesSoft: number,
): void {
  const handlers: Array<[number, WorkerHandler]> = [
    [OpCode.WORKER_REGISTER, async (request) => {
      const id = workerId(request);
      await registry.register(request.namespace, id, workerRegistrationOf(request.value));
      return ok();
    }],
    [OpCode.WORKER_HEARTBEAT, async (request) => {
      const id = workerId(request);
      const load = new BodyReader(request.value).u32('current_load');
      const status = await registry.heartbeat(request.namespace, id, load);
      return ok(Uint8Array.of(WorkerStatusCode[status]));
    }],
    [OpCode.WORKER_DEREGISTER, async (request) => {
      await registry.deregister(request.namespace, workerId(request));
      return ok();
    }],
    [OpCode.WORKER_DRAIN, async (request) => {
      await registry.drain(request.namespace, workerId(request));
      return ok();
    }],
    [OpCode.WORKER_INFO, async (request) => {
      const info = await registry.info(request.namespace, workerId(request));
      const body = writeEntry(new BodyWriter(256), info);
      if (info.metadata === null) body.u8(0);
      else body.u8(1).utf8U16(JSON.stringify(info.metadata));
      if (info.machineId === null) body.u8(0);
      else body.u8(1).utf8U16(info.machineId);
      return ok(body.toBytes());
    }],
    [OpCode.WORKER_LIST, (request) => list(registry, request, replyBytesSoft)],
  ];
  for (const [opCode, handler] of handlers) table.register(opCode, handler);
}

function workerId(request: HandlerRequest): string {
  return nameOf(request.key, 'worker');
}

async function list(registry: WorkerRegistry, request: HandlerRequest,
  replyBytesSoft: number): Promise<Reply> {
  // Older SDK releases send only [limit:u32]: a page request without a cursor.
  const paging = pageRequestOf(request.value);
  const ask = (limit: number) => registry.list(request.namespace,
    { limit, cursor: paging.cursor });
  const page = await fittedPage(paging, ask, (listed) => listed.workers,
    { sizeOf: entryBytes, fixedBytes: PAGE_FIXED_BYTES, bytesMax: replyBytesSoft });
  const body = new BodyWriter(64 + page.workers.length * 64).u32(page.workers.length);
  for (const worker of page.workers) writeEntry(body, worker);
  return ok(writePageTrailer(body, page.hasMore ? page.cursor : null).toBytes());
}

function writeEntry(body: BodyWriter, worker: WorkerInfo): BodyWriter {
  body.utf8U16(worker.workerId).u8(worker.type).u8(WorkerStatusCode[worker.status])
    .u32(worker.maxConcurrency).u32(worker.currentLoad).i64(worker.lastSeenMs)
    .u16(worker.processes.length);
  for (const process of worker.processes) body.utf8U16(process.name).u8(process.kind);
  return body;
}

function entryBytes(worker: WorkerInfo): number {
  let bytes = 2 + Buffer.byteLength(worker.workerId) + 1 + 1 + 4 + 4 + 8 + 2;
  for (const process of worker.processes) bytes += 2 + Buffer.byteLength(process.name) + 1;
  return bytes;
}
