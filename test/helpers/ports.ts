/**
 * Free loopback ports for test servers. A port found free can be taken by
 * someone else before our server binds it, so servers that must name their port
 * up front (slapd) retry with `retryOnAddressInUse`.
 */
import net from 'node:net';

/** Asks the kernel for a free port by listening on port 0, then releases it. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port was assigned'))));
    });
  });
}

export function isAddressInUse(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'EADDRINUSE';
}

/**
 * Runs `start(port)` with fresh free ports until it does not fail with
 * EADDRINUSE (the race between freePort and the real bind).
 */
export async function retryOnAddressInUse<T>(
  start: (ports: number[]) => Promise<T>,
  options: { ports?: number; attempts?: number; host?: string } = {},
): Promise<T> {
  const attempts = options.attempts ?? 5;
  let last: unknown;
  for (let i = 0; i < attempts; i += 1) {
    const ports: number[] = [];
    while (ports.length < (options.ports ?? 1)) {
      const port = await freePort(options.host);
      if (!ports.includes(port)) ports.push(port);
    }
    try {
      return await start(ports);
    } catch (err) {
      if (!isAddressInUse(err)) throw err;
      last = err;
    }
  }
  throw last;
}
