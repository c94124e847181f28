// What the remote commands (`flo queue …`, `flo stream …`) share: the connection options
// (--addr or FLO_ADDR, --namespace or FLO_NAMESPACE, --token or FLO_TOKEN, --json), running a
// command with a connected FloClient (closed afterwards), errors as one line, and the
// argument parsers (counts, milliseconds, ids, payloads). Talks to the server through
// client/mod.ts only.

import { Buffer } from 'node:buffer';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { FloClient, FloStatusError, type StreamId } from '../../client/mod.ts';
import type { CliIo } from '../output.ts';
import { parseAddress, ServeConfigError } from './serve_config.ts';

/** The options every remote command takes. */
export interface RemoteOptions {
  addr: string;
  namespace?: string;
  token?: string;
  json?: boolean;
}

const ADDR_DEFAULT = '127.0.0.1:9000';

/** Adds --addr, --namespace, --token and --json to `command`. */
export function remote(command: Command): Command {
  return command
    .addOption(new Option('--addr <host:port>', 'server address').env('FLO_ADDR')
      .default(ADDR_DEFAULT))
    .addOption(new Option('--namespace <ns>', 'namespace to work in (default: "default")')
      .env('FLO_NAMESPACE'))
    .addOption(new Option('--token <token>', 'authenticate first (prefer the variable)')
      .env('FLO_TOKEN'))
    .option('--json', 'print JSON');
}

/** withClient bound to a command's CliIo: what each command's action calls. */
export type Run =
  (options: RemoteOptions, work: (client: FloClient) => Promise<void>) => Promise<void>;

/**
 * Connects (and authenticates), runs `work`, closes. A refused or failed call becomes one
 * line `flo: …` and exit code 1 (cli/main.ts prints thrown errors); a status error names its
 * status, e.g. `stream not found: "x" (NOT_FOUND)`. A bad --addr, seq or id is a usage error
 * (one line, code 2).
 */
export async function withClient(
  io: CliIo,
  options: RemoteOptions,
  work: (client: FloClient) => Promise<void>,
): Promise<void> {
  let address: { host: string; port: number };
  try {
    address = parseAddress({ value: options.addr, source: '--addr' });
  } catch (error) {
    if (!(error instanceof ServeConfigError)) throw error;
    io.err(`flo: ${error.message}\n`);
    io.exitCode = 2; // a usage error, like commander's own
    return;
  }
  const client = new FloClient({ host: address.host, port: address.port,
    namespace: options.namespace ?? '', timeoutMs: 10_000, backoffMsMin: 10,
    backoffMsMax: 100 });
  try {
    if (options.token !== undefined) await client.system.auth(options.token);
    await work(client);
  } catch (error) {
    if (error instanceof FloStatusError) throw new Error(`${error.message} (${error.code})`);
    if (!(error instanceof InvalidArgumentError)) throw error;
    // A positional argument the command converts itself (seqs, ids): a usage error.
    io.err(`flo: ${error.message}\n`);
    io.exitCode = 2;
  } finally {
    await client.close();
  }
}

/** Adds a JSON or text rendering of `value` to the output. */
export function print(io: CliIo, options: RemoteOptions, value: unknown, text: () => string) {
  io.out(options.json === true ? `${JSON.stringify(value, null, 2)}\n` : text());
}

/** Commander parser of a non-negative integer (counts, milliseconds, seqs). */
export function integer(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError(`expected a non-negative integer, got "${text}"`);
  }
  return value;
}

/** A list of seqs (`12 13 20`). */
export function integers(texts: readonly string[]): number[] {
  return texts.map(integer);
}

/** A stream position: `SEQ` (a bare sequence) or `TIMESTAMP_MS-SEQ`. */
export function streamId(text: string): StreamId {
  const match = /^(?:(\d+)-)?(\d+)$/.exec(text.trim());
  const timestampMs = Number(match?.[1] ?? 0);
  const sequence = Number(match?.[2]);
  if (match === null || !Number.isSafeInteger(timestampMs) || !Number.isSafeInteger(sequence)) {
    throw new InvalidArgumentError(`expected SEQ or TIMESTAMP_MS-SEQ, got "${text}"`);
  }
  return { timestampMs, sequence };
}

/** A payload argument: UTF-8 text, or with `hex` the bytes it spells. */
export function payloadOf(text: string, hex: boolean | undefined): Uint8Array {
  if (hex !== true) return Buffer.from(text, 'utf8');
  if (!/^([0-9a-fA-F]{2})*$/.test(text)) {
    throw new InvalidArgumentError(`expected hex bytes, got "${text}"`);
  }
  return Buffer.from(text, 'hex');
}

/** Commander collector of a repeated `NAME=VALUE` option. */
export function header(text: string, previous: Array<[string, string]> = []) {
  const at = text.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`expected NAME=VALUE, got "${text}"`);
  return [...previous, [text.slice(0, at), text.slice(at + 1)] as [string, string]];
}

/**
 * Every item of a paged listing, fetching page after page from the cursor of the last,
 * until the last page or until `max` items (the rest of a page past `max` is dropped).
 */
export async function allPages<T>(
  fetch: (cursor: Uint8Array | null) => Promise<{ items: T[]; cursor: Uint8Array | null }>,
  max = Number.POSITIVE_INFINITY,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: Uint8Array | null = null;
  do {
    const page: { items: T[]; cursor: Uint8Array | null } = await fetch(cursor);
    items.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== null && items.length < max);
  return items.slice(0, max);
}
