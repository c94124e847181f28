// The engine families the server offers, in one list: each entry registers one family's
// handlers on the HandlerTable (and, if it wants, its gauges on the MetricsRegistry).
// startFloServer (server/flo_server.ts) runs every entry once at start-up. A family lands
// here as one line when its engine part exists, for example
//   ({ table, flo }) => registerKvHandlers(table, flo.kv),
// Handlers translate and delegate: no engine logic in server/.

import type { Flo } from '../../engine/mod.ts';
import type { HandlerTable } from '../handler_table.ts';
import { registerActionGauges } from '../metrics/action_gauges.ts';
import { registerQueueGauges, registerStreamGauges } from '../metrics/family_gauges.ts';
import { registerKvGauges } from '../metrics/kv_gauges.ts';
import type { MetricsRegistry } from '../metrics/registry.ts';
import type { WireLimits } from '../wire/limits.ts';
import { registerActionHandlers } from './action.ts';
import { registerKvHandlers } from './kv.ts';
import { registerNamespaceHandlers } from './namespace.ts';
import { registerQueueHandlers } from './queue.ts';
import { registerStreamHandlers } from './stream.ts';
import { registerStreamGroupHandlers } from './stream_group.ts';
import { registerWorkerHandlers } from './worker.ts';

/** What a family's registration gets. */
export interface FamilyContext {
  readonly table: HandlerTable;
  readonly flo: Flo;
  readonly metrics: MetricsRegistry;
  /** The reply body soft limit (§2.7, §3.4): lists are cut short before passing it. */
  readonly replyBytesSoft: number;
  /** The envelope limits in force (§2.7): keys carried inside values obey keyBytesMax too. */
  readonly limits: WireLimits;
}

/** Registers one family's handlers (and gauges). */
export type RegisterFamily = (context: FamilyContext) => void;

/** Every engine family, in registration order (the system family is built in). */
export const engineFamilies: readonly RegisterFamily[] = [
  ({ table, flo }) => registerNamespaceHandlers(table, flo.namespaces),
  ({ table, flo, metrics, replyBytesSoft, limits }) => {
    registerKvHandlers(table, flo.kv, { replyBytesSoft, keyBytesMax: limits.keyBytesMax });
    registerKvGauges(metrics, flo.kv);
  },
  ({ table, flo, metrics, replyBytesSoft }) => {
    registerQueueHandlers(table, flo.queue, replyBytesSoft);
    registerQueueGauges(metrics, flo.queue);
  },
  ({ table, flo, metrics, replyBytesSoft }) => {
    registerStreamHandlers(table, flo.stream, replyBytesSoft);
    registerStreamGroupHandlers(table, flo.stream.groups, replyBytesSoft);
    registerStreamGauges(metrics, flo.stream);
  },
  ({ table, flo, metrics, replyBytesSoft }) => {
    registerActionHandlers(table, flo.action, replyBytesSoft);
    registerWorkerHandlers(table, flo.worker, replyBytesSoft);
    registerActionGauges(metrics, flo.action);
  },
];
