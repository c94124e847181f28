// Binding a node:net or node:http server and reading back where it is bound: shared by the
// protocol listener (server/tcp/listener.ts) and the HTTP listener (server/http/).

import { ok as assert } from 'node:assert/strict';
import type { AddressInfo, Server } from 'node:net';

/** Binds `server`; rejects with the bind error (an address in use) instead of emitting it. */
export function bind(server: Server, port: number, host: string): Promise<void> {
  assert(Number.isInteger(port) && port >= 0 && port <= 0xffff, `port ${port}`);
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The bound address (the real port when 0 was asked for). */
export function boundAddress(server: Server): { host: string; port: number } {
  const info = server.address() as AddressInfo | null;
  assert(info !== null && typeof info === 'object', 'the server is bound');
  return { host: info.address, port: info.port };
}
