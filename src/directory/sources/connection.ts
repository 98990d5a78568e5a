/**
 * One LDAP connection to one replica URL: connect (and TLS) under the connect
 * time limit, StartTLS when configured, then bind as the service account or a
 * user under the operation time limit. Every failure leaves here already
 * mapped to a DirgateError (map-error.ts) for the phase it happened in.
 */
import type { ConnectionOptions } from 'node:tls';
import { isIP } from 'node:net';
import { Client } from 'ldapts';
import { DirgateError } from '../../errors.js';
import { mapSourceError, type SourcePhase } from './map-error.js';
import { withTimeLimit } from './time-limit.js';
import { connectTransport, destroyTransport } from './wire.js';

export interface ConnectionSettings {
  source: string;
  connectMs: number;
  operationMs: number;
  startTls: boolean;
  /** CA certificates (PEM) to trust instead of Node's default list. */
  ca?: string;
  /** The name the server certificate must carry, when it is not the URL's host. */
  servername?: string;
}

export interface Credentials {
  dn: string;
  password: string;
}

export class SourceConnection {
  private closed = false;

  constructor(readonly client: Client, readonly url: string, private readonly settings: ConnectionSettings) {}

  /** Still connected and not given up: fit to be used again. */
  get usable(): boolean {
    return !this.closed && this.client.isConnected;
  }

  /**
   * Runs one exchange under the operation time limit. On time-out or abort the
   * connection is dropped, so it never goes back to the pool.
   */
  run<T>(work: (client: Client) => Promise<T>, signal?: AbortSignal, phase: SourcePhase = 'operation'): Promise<T> {
    let started: Promise<T>;
    try {
      started = work(this.client);
    } catch (err) {
      started = Promise.reject(err);
    }
    return withTimeLimit(started, { ms: this.settings.operationMs, phase, signal, onExpire: () => this.destroy() });
  }

  /** Drops the connection without a goodbye. */
  destroy(): void {
    this.closed = true;
    destroyTransport(this.client);
  }

  /** Says goodbye (unbind) without waiting for it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.client.isConnected) {
      destroyTransport(this.client);
      return;
    }
    this.client.unbind().catch(() => destroyTransport(this.client));
  }
}

function hostOf(url: string): string {
  const host = new URL(url).hostname;
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** TLS options that verify the server: never `rejectUnauthorized: false`. */
function tlsOptions(url: string, s: ConnectionSettings): ConnectionOptions {
  const host = hostOf(url);
  const options: ConnectionOptions = { host, minVersion: 'TLSv1.2', rejectUnauthorized: true };
  if (s.ca !== undefined) options.ca = [s.ca];
  // SNI takes names only; identity is then checked against `servername`, else `host`.
  if (s.servername !== undefined) options.servername = s.servername;
  else if (isIP(host) === 0) options.servername = host;
  return options;
}

/** Opens, secures and binds a connection; throws a mapped DirgateError. */
export async function openConnection(
  url: string,
  settings: ConnectionSettings,
  bind: { credentials?: Credentials; phase: 'service-bind' | 'user-bind' },
  signal?: AbortSignal,
): Promise<SourceConnection> {
  const secure = url.toLowerCase().startsWith('ldaps:');
  // Only an ldaps URL may get tlsOptions: ldapts turns TLS on for any client that has them.
  const client = new Client({ url, ...(secure ? { tlsOptions: tlsOptions(url, settings) } : {}) });
  const connection = new SourceConnection(client, url, settings);
  const drop = () => connection.destroy();
  let phase: SourcePhase = 'connect';
  try {
    await withTimeLimit(connectTransport(client), { ms: settings.connectMs, phase, signal, onExpire: drop });
    if (settings.startTls && !secure) {
      await withTimeLimit(client.startTLS(tlsOptions(url, settings)), { ms: settings.connectMs, phase, signal, onExpire: drop });
    }
    if (bind.credentials) {
      phase = bind.phase;
      const { dn, password } = bind.credentials;
      await connection.run((c) => c.bind(dn, password), signal, phase);
    }
    return connection;
  } catch (err) {
    connection.destroy();
    throw err instanceof DirgateError ? err : mapSourceError(err, { source: settings.source, phase });
  }
}
