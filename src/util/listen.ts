/**
 * Starts a server listening and turns the usual failures into messages a user
 * can act on: the port in use is named, with the part that wanted it.
 */
import type { Server } from 'node:net';

export class ListenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ListenError';
  }
}

export function listen(server: Server, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') reject(new ListenError(`port ${port} on ${host} (${what}) is already in use`, { cause: err }));
      else if (err.code === 'EACCES') reject(new ListenError(`port ${port} on ${host} (${what}) needs privileges this process lacks`, { cause: err }));
      else reject(new ListenError(`${what} cannot listen on ${host}:${port}: ${err.code ?? err.message}`, { cause: err }));
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Closes a server, waiting for open connections to end (idle keep-alive ones are closed at once). */
export function closeServer(server: Server & { closeIdleConnections?: () => void; closeAllConnections?: () => void }): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections?.();
    setTimeout(() => server.closeAllConnections?.(), 2000).unref();
  });
}
