/**
 * Misbehaving LDAP peers on loopback for the time-limit and fail-over tests:
 * one that accepts connections and never says anything, one that hangs up as
 * soon as a request arrives (counting requests), and an ldapjs server that
 * answers every search with a given LDAP error (busy, unavailable).
 */
import net from 'node:net';
import ldapjs from 'ldapjs';

export interface TestPeer {
  url: string;
  port: number;
  /** Connections accepted so far. */
  connections: number;
  /** Requests (data chunks) received so far. */
  requests: number;
  close(): Promise<void>;
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

async function tcpPeer(onSocket: (socket: net.Socket, peer: TestPeer) => void): Promise<TestPeer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    peer.connections += 1;
    onSocket(socket, peer);
  });
  const port = await listen(server);
  const peer: TestPeer = {
    url: `ldap://127.0.0.1:${port}`,
    port,
    connections: 0,
    requests: 0,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
  return peer;
}

/** Accepts and reads, never answers. */
export function silentPeer(): Promise<TestPeer> {
  return tcpPeer((socket, peer) => socket.on('data', () => { peer.requests += 1; }));
}

/** Hangs up on the first request of each connection. */
export function hangUpPeer(): Promise<TestPeer> {
  return tcpPeer((socket, peer) => socket.on('data', () => {
    peer.requests += 1;
    socket.destroy();
  }));
}

/** A free port with nothing listening on it. */
export async function deadUrl(): Promise<string> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `ldap://127.0.0.1:${port}`;
}

/** An LDAP server that accepts any bind and answers every search and modify with `error`. */
export async function refusingPeer(error: 'busy' | 'unavailable'): Promise<TestPeer> {
  const server = ldapjs.createServer();
  let requests = 0;
  const refuse = (_req: unknown, _res: unknown, next: (err: Error) => void): void => {
    requests += 1;
    next((error === 'busy' ? new ldapjs.BusyError('too busy') : new ldapjs.UnavailableError('going down')) as unknown as Error);
  };
  // Binds succeed, so the refusal comes from the operation itself.
  server.bind('', (_req: unknown, res: { end(): void }, next: () => void) => { res.end(); next(); });
  server.search('', refuse);
  server.modify('', refuse);
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve(Number(new URL(server.url).port))));
  return {
    url: `ldap://127.0.0.1:${port}`,
    port,
    connections: 0,
    get requests() { return requests; },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
