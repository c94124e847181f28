// The worker family (flo-wire.md §7.7): register, heartbeat (with the load; answers the
// status, 2 meaning draining), deregister, the paged list, info and drain. Labels are the
// top-level members of the metadata object; ACTION_AWAIT assigns runs whose labels match.
// client/action_worker.ts uses register, heartbeat and deregister.

import { BodyWriter } from '../server/wire/body_writer.ts';
import type { BodyReader } from '../server/wire/body_reader.ts';
import { OpCode } from '../server/wire/opcodes.ts';
import { bytesOf, textOf } from './bytes.ts';
import { badReply, decodeBody, FamilyBase, type CallBase } from './family_base.ts';
import { pageValue, readItems, readPage, type Page, type PageOptions } from './paging.ts';

export const WorkerStatus = ['active', 'idle', 'draining', 'unhealthy'] as const;
export type WorkerStatusName = (typeof WorkerStatus)[number];
export const WorkerType = ['action', 'stream'] as const;
export type WorkerTypeName = (typeof WorkerType)[number];

/** One process a worker runs: an action it serves, or a stream it consumes. */
export interface WorkerProcess {
  readonly name: string;
  readonly kind: WorkerTypeName;
}

export interface WorkerRegistration extends CallBase {
  /** Default 'action'. */
  readonly type?: WorkerTypeName;
  /** Informational (0 means 10). */
  readonly maxConcurrency?: number;
  readonly processes?: readonly WorkerProcess[];
  /** A JSON object; its top-level members are the worker's labels. */
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly machineId?: string;
}

export interface WorkerEntry {
  readonly workerId: string;
  readonly type: WorkerTypeName;
  readonly status: WorkerStatusName;
  readonly maxConcurrency: number;
  readonly currentLoad: number;
  readonly lastSeenMs: number;
  readonly processes: WorkerProcess[];
}

export interface WorkerInfo extends WorkerEntry {
  /** The metadata JSON text, or null. */
  readonly metadata: string | null;
  readonly machineId: string | null;
}

function named<T extends string>(list: readonly T[], code: number, opCode: number, what: string) {
  const name = list[code];
  if (name === undefined) throw badReply(opCode, `${what} ${code}`);
  return name;
}

function readEntry(reader: BodyReader, opCode: number): WorkerEntry {
  const workerId = textOf(reader.bytesU16('worker_id'));
  const type = named(WorkerType, reader.u8('worker_type'), opCode, 'worker type');
  const status = named(WorkerStatus, reader.u8('status'), opCode, 'worker status');
  const maxConcurrency = reader.u32('max_concurrency');
  const currentLoad = reader.u32('current_load');
  const lastSeenMs = reader.i64('last_seen_ms');
  const processes = readItems(reader, reader.u16('n'), () => {
    const name = textOf(reader.bytesU16('name'));
    return { name, kind: named(WorkerType, reader.u8('kind'), opCode, 'process kind') };
  });
  return { workerId, type, status, maxConcurrency, currentLoad, lastSeenMs, processes };
}

/** The WORKER_REGISTER value (§7.7). */
export function registrationValue(registration: WorkerRegistration): Uint8Array {
  const processes = registration.processes ?? [];
  const writer = new BodyWriter()
    .u8(WorkerType.indexOf(registration.type ?? 'action'))
    .u32(registration.maxConcurrency ?? 0)
    .u16(processes.length);
  for (const process of processes) {
    writer.utf8U16(process.name).u8(WorkerType.indexOf(process.kind));
  }
  if (registration.metadata === undefined) writer.u8(0);
  else writer.u8(1).bytesU16(bytesOf(JSON.stringify(registration.metadata)));
  if (registration.machineId === undefined) writer.u8(0);
  else writer.u8(1).utf8U16(registration.machineId);
  return writer.toBytes();
}

export class WorkerApi extends FamilyBase {
  /** Registers (or re-registers, replacing everything and ending a drain) `workerId`. */
  async register(workerId: string, registration: WorkerRegistration = {}): Promise<void> {
    const body = await this.call(OpCode.WORKER_REGISTER, {
      ...registration, key: workerId, value: registrationValue(registration),
    });
    decodeBody(OpCode.WORKER_REGISTER, body, () => undefined);
  }

  /** Reports the load; resolves with the status ('draining': stop taking work). */
  async heartbeat(
    workerId: string,
    currentLoad: number,
    options: CallBase = {},
  ): Promise<WorkerStatusName> {
    const value = new BodyWriter(4).u32(currentLoad).toBytes();
    const body = await this.call(OpCode.WORKER_HEARTBEAT, { ...options, key: workerId, value });
    return decodeBody(OpCode.WORKER_HEARTBEAT, body, (reader) =>
      named(WorkerStatus, reader.u8('status'), OpCode.WORKER_HEARTBEAT, 'worker status'));
  }

  /** Forgets the worker (unknown ids are fine); its tasks keep their leases. */
  async deregister(workerId: string, options: CallBase = {}): Promise<void> {
    const body = await this.call(OpCode.WORKER_DEREGISTER, { ...options, key: workerId });
    decodeBody(OpCode.WORKER_DEREGISTER, body, () => undefined);
  }

  /** Workers by id, one page at a time. */
  async list(options: CallBase & PageOptions = {}): Promise<Page<WorkerEntry>> {
    const body = await this.call(OpCode.WORKER_LIST, { ...options, value: pageValue(options) });
    return decodeBody(OpCode.WORKER_LIST, body, (reader) =>
      readPage(reader, () => readEntry(reader, OpCode.WORKER_LIST)));
  }

  /** The worker's entry, metadata and machine id; FloNotFoundError when unknown. */
  async info(workerId: string, options: CallBase = {}): Promise<WorkerInfo> {
    const body = await this.call(OpCode.WORKER_INFO, { ...options, key: workerId });
    return decodeBody(OpCode.WORKER_INFO, body, (reader) => {
      const entry = readEntry(reader, OpCode.WORKER_INFO);
      const metadata = reader.flag('has_metadata') ? textOf(reader.bytesU16('metadata')) : null;
      const machineId = reader.flag('has_machine_id') ? textOf(reader.bytesU16('machine_id'))
        : null;
      return { ...entry, metadata, machineId };
    });
  }

  /** Marks the worker draining: its polls answer empty, its heartbeats 'draining'. */
  async drain(workerId: string, options: CallBase = {}): Promise<void> {
    const body = await this.call(OpCode.WORKER_DRAIN, { ...options, key: workerId });
    decodeBody(OpCode.WORKER_DRAIN, body, () => undefined);
  }
}
