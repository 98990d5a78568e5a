/**
 * A loopback relay in front of an LDAP server that reads the LDAP messages a
 * client sends and tallies each request by operation (and the TCP connections
 * opened); close() cuts every connection, so a test can also take the
 * directory away from a running gateway without stopping the server.
 */
import net from 'node:net';

/** LDAPv3 protocolOp tags (RFC 4511 section 4.2 on) of the requests a client sends. */
const REQUEST_TAGS: Record<number, string> = {
  0x60: 'bind', 0x42: 'unbind', 0x63: 'search', 0x66: 'modify', 0x68: 'add',
  0x4a: 'delete', 0x6c: 'modifyDN', 0x6e: 'compare', 0x50: 'abandon', 0x77: 'extended',
};

export interface Tally { connections: number; operations: string[]; trace: string[] }

/** Length of a BER element at `at` as [header bytes, content bytes], or undefined while incomplete. */
function berLength(buf: Buffer, at: number): [number, number] | undefined {
  if (buf.length < at + 2) return undefined;
  const first = buf[at + 1]!;
  if (first < 0x80) return [2, first];
  const n = first & 0x7f;
  if (buf.length < at + 2 + n) return undefined;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + buf[at + 2 + i]!;
  return [2 + n, len];
}

/** The operation of one complete LDAPMessage (SEQUENCE { messageID INTEGER, protocolOp, ... }) and the DN a search starts at. */
function operationOf(message: Buffer): { op: string; base?: string } {
  const [outer] = berLength(message, 0)!;
  const [idHeader, idLength] = berLength(message, outer)!;
  const at = outer + idHeader + idLength;
  const tag = message[at]!;
  const op = REQUEST_TAGS[tag] ?? `tag-0x${tag.toString(16)}`;
  if (op !== 'search') return { op };
  // SearchRequest ::= [APPLICATION 3] SEQUENCE { baseObject LDAPDN, ... }
  const [opHeader] = berLength(message, at)!;
  const [dnHeader, dnLength] = berLength(message, at + opHeader)!;
  const start = at + opHeader + dnHeader;
  return { op, base: message.subarray(start, start + dnLength).toString('utf8') };
}

/** Relays every connection to `target()` and tallies the client's requests. */
export interface CountingRelay { url: string; tally: Tally; close(): Promise<void> }

export async function startCountingRelay(target: () => { host: string; port: number }): Promise<CountingRelay> {
  const tally: Tally = { connections: 0, operations: [], trace: [] };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    tally.connections++;
    const upstream = net.connect(target());
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    let pending = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const len = berLength(pending, 0);
        if (!len || pending.length < len[0] + len[1]) break;
        const { op, base } = operationOf(pending.subarray(0, len[0] + len[1]));
        tally.operations.push(op);
        tally.trace.push(base === undefined ? op : `${op}(${base})`);
        pending = pending.subarray(len[0] + len[1]);
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
    client.on('end', () => upstream.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `ldap://127.0.0.1:${port}`,
    tally,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
