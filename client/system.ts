// The system family (flo-wire.md §7.1.1, §7.1.2, §7.1.4): PING, AUTH and the single-node
// CLUSTER_STATUS / CLUSTER_MEMBERS, decoded into typed results. AUTH changes the state of
// the connection it is sent on: a FloClient authenticates its own connection.

import { OpCode } from '../server/wire/opcodes.ts';
import { bytesOf, textOf, type Bytes } from './bytes.ts';
import { badReply, decodeBody, FamilyBase, type CallBase } from './family_base.ts';

/** Who a successful AUTH made the connection. */
export interface AuthResult {
  /** The JWT `sub` claim, or empty. */
  readonly subject: string;
  /** The namespace the connection is now locked to, or null. */
  readonly namespaceLock: string | null;
}

export interface ClusterStatus {
  readonly mode: string;
  readonly nodeId: string;
  readonly role: string;
  readonly leaderId: string;
  readonly members: number;
}

export interface ClusterMember {
  readonly nodeId: string;
  readonly address: string;
  readonly role: string;
  readonly healthy: boolean;
}

export class SystemApi extends FamilyBase {
  /** Resolves when the server answers (any namespace, no authentication needed). */
  async ping(options: CallBase = {}): Promise<void> {
    const body = await this.call(OpCode.PING, options);
    decodeBody(OpCode.PING, body, () => undefined);
  }

  /** Authenticates this connection with a static token or a JWT (1-4 096 bytes). */
  async auth(token: Bytes, options: CallBase = {}): Promise<AuthResult> {
    const value = bytesOf(token);
    if (value.length === 0 || value.length > 4096) {
      throw new RangeError(`token must be 1-4096 bytes, got ${value.length}`);
    }
    const body = await this.call(OpCode.AUTH, { ...options, value });
    return decodeBody(OpCode.AUTH, body, (reader) => {
      const subject = textOf(reader.bytesU16('subject'));
      const namespace = textOf(reader.bytesU16('namespace'));
      return { subject, namespaceLock: namespace === '' ? null : namespace };
    });
  }

  async clusterStatus(options: CallBase = {}): Promise<ClusterStatus> {
    const body = await this.call(OpCode.CLUSTER_STATUS, options);
    const json = parseJson(OpCode.CLUSTER_STATUS, body) as Record<string, unknown>;
    return {
      mode: String(json['mode']),
      nodeId: String(json['node_id']),
      role: String(json['role']),
      leaderId: String(json['leader_id']),
      members: Number(json['members']),
    };
  }

  async clusterMembers(options: CallBase = {}): Promise<ClusterMember[]> {
    const body = await this.call(OpCode.CLUSTER_MEMBERS, options);
    const json = parseJson(OpCode.CLUSTER_MEMBERS, body);
    if (!Array.isArray(json)) throw badReply(OpCode.CLUSTER_MEMBERS, 'not a JSON array');
    return json.map((member: Record<string, unknown>) => ({
      nodeId: String(member['node_id']),
      address: String(member['address']),
      role: String(member['role']),
      healthy: member['healthy'] === true,
    }));
  }
}

function parseJson(opCode: number, body: Uint8Array): unknown {
  let json: unknown;
  try {
    json = JSON.parse(textOf(body));
  } catch {
    throw badReply(opCode, 'not JSON');
  }
  if (typeof json !== 'object' || json === null) throw badReply(opCode, 'not a JSON object');
  return json;
}
