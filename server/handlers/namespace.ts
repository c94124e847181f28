// The namespace family (flo-wire.md §7.1.3): NAMESPACE_CREATE, DELETE, LIST, INFO and the
// CONFIG_GET stub, over the engine's Namespaces (engine/flo.ts), which owns the name rules,
// the reserved names and what "holds data" means. These ops take the name in the envelope
// key and ignore the envelope namespace. The namespace lock of §7.1.2 (a locked connection
// may not use them) is applied by server/tcp/dispatch.ts before any handler runs.
//
// Names are UTF-8 text in the engine; a key that is not valid UTF-8 cannot name an existing
// namespace (the envelope refuses such namespaces), so INFO answers "absent" for it and the
// other ops answer as for any missing or invalid name.

import type { Namespaces } from '../../engine/mod.ts';
import { fail, ok, type Reply } from '../handler.ts';
import type { HandlerTable } from '../handler_table.ts';
import { BodyWriter } from '../wire/body_writer.ts';
import { Status } from '../wire/frame.ts';
import { OpCode } from '../wire/opcodes.ts';

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** The name in `key` as text, or null when the bytes are not UTF-8. */
function nameOf(key: Uint8Array): string | null {
  try {
    return utf8Strict.decode(key);
  } catch {
    return null;
  }
}

/** Registers the five namespace ops on `table`. */
export function registerNamespaceHandlers(table: HandlerTable, namespaces: Namespaces): void {
  table.register(OpCode.NAMESPACE_CREATE, async (request): Promise<Reply> => {
    const name = nameOf(request.key);
    if (name === null) return fail(Status.BAD_REQUEST, 'invalid namespace name: not UTF-8');
    // RangeError (invalid or reserved name) is BAD_REQUEST, ConflictError is CONFLICT.
    await namespaces.create(name);
    return ok();
  });
  table.register(OpCode.NAMESPACE_DELETE, async (request): Promise<Reply> => {
    const name = nameOf(request.key);
    if (name === null) return fail(Status.NOT_FOUND, 'namespace not found');
    // The optional value is [force:u8]; only 1 forces (spec §7.1.3).
    const force = request.value.length >= 1 && request.value[0] === 1;
    await namespaces.delete(name, { force });
    return ok();
  });
  table.register(OpCode.NAMESPACE_LIST, async (): Promise<Reply> => {
    // The optional [include_system:u8] value is ignored: no namespace is hidden.
    const names = await namespaces.list();
    const body = new BodyWriter(8 + names.length * 16).u32(names.length);
    for (const name of names) body.utf8U16(name);
    return ok(body.toBytes());
  });
  table.register(OpCode.NAMESPACE_INFO, async (request): Promise<Reply> => {
    if (request.key.length === 0) return fail(Status.BAD_REQUEST, 'namespace name is required');
    const name = nameOf(request.key);
    const exists = name !== null && await namespaces.exists(name);
    const body = new BodyWriter(3 + request.key.length).u8(exists ? 1 : 0)
      .bytesU16(request.key);
    return ok(body.toBytes());
  });
  table.register(OpCode.NAMESPACE_CONFIG_GET, async (request): Promise<Reply> => {
    const name = nameOf(request.key);
    if (name === null || !(await namespaces.exists(name))) {
      return fail(Status.NOT_FOUND, 'namespace not found');
    }
    // This server has no namespace settings: an existing namespace answers an empty body.
    return ok();
  });
}
