// The machine line of every flo-bench run: Node version, CPUs, memory, and a quick probe of
// the disk under the bench directory (sequential write bandwidth with a final fsync, and the
// rate of small write+fdatasync pairs), so figures can be read against the hardware.

import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';

export interface MachineInfo {
  node: string;
  platform: string;
  cpuModel: string;
  cpuCount: number;
  totalMemoryBytes: number;
  freeMemoryBytes: number;
  /** Sequential write of 1 MiB buffers with writeSync, then one fsync, MB/s (10^6 B/s). */
  diskWriteMBps: number;
  /** 100-byte write + fdatasync pairs per second. */
  fsyncPerSec: number;
}

/** Probes the machine; `dir` must exist. Takes about `probeMs` × 2. */
export function probeMachine(
  dir: string,
  probeMs = 1000,
  maxBytes = 512 * 1024 * 1024,
): MachineInfo {
  const path = join(dir, 'disk-probe.tmp');
  const buffer = Buffer.alloc(1 << 20, 0xa5);
  const fd = fs.openSync(path, 'w');
  let written = 0;
  const startMs = performance.now();
  try {
    while (performance.now() - startMs < probeMs && written < maxBytes) {
      fs.writeSync(fd, buffer);
      written += buffer.length;
    }
    fs.fsyncSync(fd);
    const writeSeconds = (performance.now() - startMs) / 1000;
    const small = Buffer.alloc(100, 1);
    let syncs = 0;
    const syncStartMs = performance.now();
    while (performance.now() - syncStartMs < probeMs / 2) {
      fs.writeSync(fd, small);
      fs.fdatasyncSync(fd);
      syncs += 1;
    }
    const syncSeconds = (performance.now() - syncStartMs) / 1000;
    const cpus = os.cpus();
    return {
      node: process.version,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      cpuModel: cpus[0]?.model ?? 'unknown',
      cpuCount: cpus.length,
      totalMemoryBytes: os.totalmem(),
      freeMemoryBytes: os.freemem(),
      diskWriteMBps: Math.round(written / writeSeconds / 1e6),
      fsyncPerSec: Math.round(syncs / syncSeconds),
    };
  } finally {
    fs.closeSync(fd);
    fs.rmSync(path, { force: true });
  }
}

/** One line for the terminal. */
export function describeMachine(machine: MachineInfo): string {
  const gib = (bytes: number): string => (bytes / 2 ** 30).toFixed(1);
  return `machine: Node ${machine.node}, ${machine.cpuCount} × ${machine.cpuModel}, ` +
    `${gib(machine.freeMemoryBytes)}/${gib(machine.totalMemoryBytes)} GiB free, ` +
    `disk ${machine.diskWriteMBps} MB/s sequential write, ${machine.fsyncPerSec} fsync/s`;
}
