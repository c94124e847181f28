// The namespace family (flo-wire.md §7.1.3): create, delete (with force), list, info and
// the config stub. These ops name the namespace in the key and ignore the envelope's, so
// they take no namespace option. A connection locked to a namespace by its JWT may not use
// them (UNAUTHORIZED).

import { OpCode } from '../server/wire/opcodes.ts';
import { textOf } from './bytes.ts';
import { decodeBody, FamilyBase } from './family_base.ts';
import { readItems } from './paging.ts';

/** Options of the namespace ops: only the timeout (the namespace is the argument). */
export interface NamespaceCallOptions {
  readonly timeoutMs?: number;
}

export interface NamespaceInfo {
  readonly name: string;
  readonly exists: boolean;
}

export class NamespaceApi extends FamilyBase {
  /** Creates `name`; FloConflictError when it exists, FloBadRequestError when invalid. */
  async create(name: string, options: NamespaceCallOptions = {}): Promise<void> {
    const body = await this.call(OpCode.NAMESPACE_CREATE, { ...options, key: name });
    decodeBody(OpCode.NAMESPACE_CREATE, body, () => undefined);
  }

  /**
   * Deletes `name`; with `force`, all of its data too. FloConflictError when it holds data
   * and force is not set, FloNotFoundError when it does not exist.
   */
  async delete(
    name: string,
    options: NamespaceCallOptions & { force?: boolean } = {},
  ): Promise<void> {
    const value = options.force ? Uint8Array.of(1) : undefined;
    const body = await this.call(OpCode.NAMESPACE_DELETE, { ...options, key: name, value });
    decodeBody(OpCode.NAMESPACE_DELETE, body, () => undefined);
  }

  /** Every namespace, ascending bytewise, "default" included. */
  async list(options: NamespaceCallOptions = {}): Promise<string[]> {
    const body = await this.call(OpCode.NAMESPACE_LIST, options);
    return decodeBody(OpCode.NAMESPACE_LIST, body, (reader) =>
      readItems(reader, reader.u32('count'), () => textOf(reader.bytesU16('name'))));
  }

  async info(name: string, options: NamespaceCallOptions = {}): Promise<NamespaceInfo> {
    const body = await this.call(OpCode.NAMESPACE_INFO, { ...options, key: name });
    return decodeBody(OpCode.NAMESPACE_INFO, body, (reader) => {
      const exists = reader.flag('exists');
      return { exists, name: textOf(reader.bytesU16('name')) };
    });
  }

  /** The namespace's settings: this server has none, so an existing namespace gives {}. */
  async configGet(name: string, options: NamespaceCallOptions = {}): Promise<object> {
    const body = await this.call(OpCode.NAMESPACE_CONFIG_GET, { ...options, key: name });
    return decodeBody(OpCode.NAMESPACE_CONFIG_GET, body, () => ({}));
  }
}
