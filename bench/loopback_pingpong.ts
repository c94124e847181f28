// The machine's loopback floor, with no Flo code: two Node processes (this one and an echo
// server it forks) pass one 100-byte frame back and forth over 127.0.0.1, one at a time,
// with plain net sockets (TCP_NODELAY). Every one-at-a-time figure of `flo-bench server`
// crosses the same two event loops and the same loopback, so this is its ceiling on the
// machine at hand; the server issue measured ~22 000 round trips/s on its reference machine.
// Run: node --import tsx bench/loopback_pingpong.ts [seconds]

import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

const FRAME_BYTES = 100;

if (process.argv[2] === 'echo') {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => socket.write(chunk));
  });
  server.listen(0, '127.0.0.1', () => {
    process.send!({ port: (server.address() as AddressInfo).port });
  });
  process.on('disconnect', () => process.exit(0));
} else {
  const seconds = Number(process.argv[2] ?? 3);
  if (!(seconds > 0 && seconds <= 60)) throw new RangeError('seconds must be in (0, 60]');
  const child = fork(new URL(import.meta.url).pathname, ['echo'], {
    execArgv: process.execArgv,
  });
  const [message] = await once(child, 'message') as [{ port: number }];
  const socket = connect({ host: '127.0.0.1', port: message.port });
  socket.setNoDelay(true);
  await once(socket, 'connect');
  const startMs = performance.now();
  const roundTrips = await pingPong(socket, seconds);
  const elapsed = (performance.now() - startMs) / 1000;
  socket.destroy();
  child.disconnect();
  console.log(`loopback, one ${FRAME_BYTES}-byte frame at a time: ` +
    `${Math.round(roundTrips / elapsed)} round trips/s ` +
    `(${(1e6 * elapsed / roundTrips).toFixed(0)} µs each)`);
}

// Sends a frame, waits for all of it to come back, sends the next, until `seconds` pass.
function pingPong(socket: Socket, seconds: number): Promise<number> {
  const frame = Buffer.alloc(FRAME_BYTES, 7);
  const endMs = performance.now() + seconds * 1000;
  let received = 0;
  let roundTrips = 0;
  return new Promise((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received < FRAME_BYTES) return;
      if (received !== FRAME_BYTES) throw new Error(`echo sent ${received} bytes`);
      received = 0;
      roundTrips += 1;
      if (performance.now() < endMs) socket.write(frame);
      else resolve(roundTrips);
    });
    socket.write(frame);
  });
}
