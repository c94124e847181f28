// How the CLI shows bytes and times: UTF-8 text when it is printable, hex otherwise (long
// values are cut with their length shown), ISO-8601 timestamps; and the JSON form of bytes
// ({utf8} or {hex}) so scripts get them back exactly.

const decoder = new TextDecoder('utf-8', { fatal: true });
const displayBytesMax = 120;

/** The text of `bytes` when it is valid, printable UTF-8; null otherwise. */
export function printableText(bytes: Uint8Array): string | null {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return null;
  }
  // Printable: no control characters other than tab, newline and carriage return.
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text) ? null : text;
}

/** A one-line rendering: "text" (quoted) or 0xhex, cut past displayBytesMax. */
export function describeBytes(bytes: Uint8Array): string {
  const shown = bytes.subarray(0, displayBytesMax);
  const more = bytes.length > displayBytesMax ? `…(${bytes.length} bytes)` : '';
  const text = printableText(shown);
  if (text !== null) return `${JSON.stringify(text)}${more}`;
  return `0x${Buffer.from(shown).toString('hex')}${more}`;
}

/** Bytes for JSON output: {utf8: text} when printable, {hex} otherwise. */
export function jsonBytes(bytes: Uint8Array): { utf8: string } | { hex: string } {
  const text = printableText(bytes);
  return text !== null ? { utf8: text } : { hex: Buffer.from(bytes).toString('hex') };
}

/** ISO-8601 for an epoch-ms timestamp, or the number itself when out of range. */
export function formatTimestamp(timestampMs: number): string {
  const date = new Date(timestampMs);
  return Number.isNaN(date.getTime()) ? String(timestampMs) : date.toISOString();
}
