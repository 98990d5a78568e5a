/**
 * An LDAP source over ldapts: a pool of service-bound connections, replica
 * fail-over with back-off, our own time limits, and every failure as a
 * DirgateError (map-error.ts).
 *
 * How a failed attempt is handled is decided by its error's type
 * (failureVerdict): a replica that could not be reached, refused TLS, or said
 * busy/unavailable did not carry the request out, so any operation moves on to
 * the next URL; a connection that broke or went silent after the request was
 * sent may have carried it out, so only reads (search before its first event,
 * compare, binds) are tried again. Writes are never repeated.
 */
import { readFileSync } from 'node:fs';
import { StatusCodeParser, type ExtendedResponse } from 'ldapts';
import type { SourceConfig } from '../../config/types.js';
import { DirgateError, LDAP_RESULT } from '../../errors.js';
import type { Logger } from '../../log.js';
import type {
  AddRequest, CompareRequest, DeleteRequest, ExtendedRequest, ExtendedResult, ModifyDNRequest, ModifyRequest,
  OperationResult, SearchEvent, SearchRequest,
} from '../model.js';
import { openConnection, type ConnectionSettings, type Credentials, type SourceConnection } from './connection.js';
import { fromLdapControls } from './controls.js';
import { failureVerdict, mapSourceError, SOURCE_REASON } from './map-error.js';
import { ConnectionPool } from './pool.js';
import { Replicas } from './replicas.js';
import {
  addMessage, compareMessage, deleteMessage, extendedMessage, modifyDNMessage, modifyMessage, prepareSearch, simpleBindMessage, WHO_AM_I_OID,
} from './requests.js';
import { searchOnConnection } from './search-stream.js';
import type { LdapSource, SourceHealth, SourceOperationOptions } from './types.js';
import { BinaryAttributes } from './values.js';
import { exchange, nextMessageId, type LdapRequest, type LdapResponse } from './wire.js';

export interface LdapSourceOptions {
  log: Logger;
  /** The URL that `embedded` in a source's `urls` stands for. */
  embeddedUrl?: string;
}

/** The source's configuration plus the optional keys this module reads beyond SourceConfig. */
export type LdapSourceConfig = SourceConfig & { binaryAttributes?: string[] };

type Kind = 'read' | 'write';

function configError(source: string, message: string, cause?: unknown): DirgateError {
  return new DirgateError('ERR_CONFIG_INVALID', `source ${source}: ${message}`, { reason: 'source-config-invalid', cause });
}

function resolveUrls(config: SourceConfig, embeddedUrl: string | undefined): string[] {
  return config.urls.map((u) => {
    const url = u === 'embedded' ? embeddedUrl : u;
    if (url === undefined) throw configError(config.name, 'uses the embedded directory, which is not running');
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (err) {
      throw configError(config.name, 'has a URL that cannot be parsed', err);
    }
    if (parsed.protocol !== 'ldap:' && parsed.protocol !== 'ldaps:') throw configError(config.name, 'URLs must be ldap:// or ldaps://');
    return url;
  });
}

function readCa(config: SourceConfig): string | undefined {
  if (config.tls.caFile === undefined) return undefined;
  try {
    return readFileSync(config.tls.caFile, 'utf8');
  } catch (err) {
    throw configError(config.name, 'cannot read tls.caFile', err);
  }
}

/** Throws the mapped error of a response whose result code is not among `ok`. */
function expect<T extends LdapResponse>(response: T, ok: readonly number[], source: string): T {
  if (ok.includes(response.status)) return response;
  throw mapSourceError(StatusCodeParser.parse(response as never), { source, phase: 'operation', matchedDN: response.matchedDN });
}

function operationResult(response: LdapResponse): OperationResult {
  const controls = fromLdapControls(response.controls);
  return {
    resultCode: response.status,
    ...(response.matchedDN ? { matchedDN: response.matchedDN } : {}),
    ...(controls ? { controls } : {}),
  };
}

class PooledLdapSource implements LdapSource {
  readonly name: string;
  readonly baseDn: string;
  readonly readOnly: boolean;
  private readonly urls: string[];
  private readonly replicas: Replicas;
  private readonly pool: ConnectionPool;
  /** Connections that only ever carry password checks (user binds), never another operation. */
  private readonly bindPool: ConnectionPool;
  private readonly settings: ConnectionSettings;
  private readonly binary: BinaryAttributes;
  private readonly log: Logger;
  private readonly serviceCredentials: Credentials | undefined;
  private closed = false;

  constructor(config: LdapSourceConfig, options: LdapSourceOptions) {
    this.name = config.name;
    this.baseDn = config.baseDn;
    this.readOnly = config.readOnly;
    this.log = options.log;
    this.urls = resolveUrls(config, options.embeddedUrl);
    this.replicas = new Replicas(this.urls, config.failover);
    this.binary = new BinaryAttributes(config.binaryAttributes ?? []);
    this.serviceCredentials = config.bind ? { dn: config.bind.dn, password: config.bind.password } : undefined;
    this.settings = {
      source: config.name,
      connectMs: config.timeouts.connectMs,
      operationMs: config.timeouts.operationMs,
      startTls: config.tls.startTls,
      ca: readCa(config),
      servername: config.tls.servername,
    };
    this.pool = new ConnectionPool({
      source: config.name,
      size: config.pool.size,
      waitMs: config.timeouts.operationMs,
      open: (signal) => this.openOnSomeReplica(this.serviceCredentials, 'service-bind', signal),
      current: (c) => c.url === this.replicas.preferred(),
    });
    // Opened without the service bind: the first thing each one carries is a user's bind.
    this.bindPool = new ConnectionPool({
      source: config.name,
      size: config.pool.size,
      waitMs: config.timeouts.operationMs,
      open: (signal) => this.openOnSomeReplica(undefined, 'user-bind', signal),
      current: (c) => c.url === this.replicas.preferred(),
    });
  }

  // ---- connections and fail-over -------------------------------------------

  private markDown(url: string, err: DirgateError): void {
    const retryAt = this.replicas.markDown(url, err.reason);
    this.log.warn('source replica failed; trying others', {
      source: this.name, url, code: err.code, reason: err.reason, retryInMs: Math.max(0, retryAt - Date.now()),
    });
  }

  private markUp(url: string): void {
    const was = this.replicas.health(this.name).urls.find((u) => u.url === url);
    this.replicas.markUp(url);
    if (was && !was.up) this.log.info('source replica answers again', { source: this.name, url });
  }

  /** A new connection on the first replica that takes it, in health order. */
  private async openOnSomeReplica(
    credentials: Credentials | undefined,
    phase: 'service-bind' | 'user-bind',
    signal?: AbortSignal,
  ): Promise<SourceConnection> {
    let last: DirgateError | undefined;
    for (const url of this.replicas.order()) {
      if (this.closed) break;
      try {
        const connection = await openConnection(url, this.settings, { credentials, phase }, signal);
        this.markUp(url);
        return connection;
      } catch (err) {
        const e = mapSourceError(err, { source: this.name, phase });
        if (signal?.aborted) throw e;
        if (!failureVerdict(e).replicaDown) {
          // The replica answered; the refusal is about the request or the credentials.
          this.markUp(url);
          if (e.reason === SOURCE_REASON.serviceBindRejected) this.log.error('source refused the service bind', { source: this.name, url });
          throw e;
        }
        this.markDown(url, e);
        last = e;
      }
    }
    throw last ?? new DirgateError('ERR_COULD_NOT_CONNECT', `source ${this.name} is closed`, { reason: SOURCE_REASON.closed });
  }

  private checkOpen(): void {
    if (this.closed) throw new DirgateError('ERR_COULD_NOT_CONNECT', `source ${this.name} is closed`, { reason: SOURCE_REASON.closed });
  }

  private checkWritable(): void {
    if (this.readOnly) {
      throw new DirgateError('ERR_UNWILLING_TO_PERFORM', `source ${this.name} is read-only`, { reason: SOURCE_REASON.readOnly });
    }
  }

  private async connectionFor(options: SourceOperationOptions): Promise<SourceConnection> {
    if (!options.bindAs) return this.pool.acquire(options.signal);
    const { dn, password } = options.bindAs;
    if (!dn || !password) {
      // An empty password is an unauthenticated bind (RFC 4513 section 5.1.2): it would "succeed".
      throw new DirgateError('ERR_AUTHENTICATION_FAILED', 'authentication failed', { reason: 'empty-credentials' });
    }
    return this.openOnSomeReplica({ dn, password }, 'user-bind', options.signal);
  }

  /** Returns a connection after use: pooled ones go back (or away, when broken); user ones are closed. */
  private finish(connection: SourceConnection, options: SourceOperationOptions, broken: boolean): void {
    if (options.bindAs) {
      if (broken) connection.destroy();
      else connection.close();
    } else if (broken) {
      this.pool.discard(connection);
    } else {
      this.pool.release(connection);
    }
  }

  /** What to do after a failed attempt: throws when the request must not be tried again. */
  private afterFailure(
    err: unknown, connection: SourceConnection, kind: Kind, options: SourceOperationOptions, failed: Set<string>, delivered = false,
  ): DirgateError {
    const e = mapSourceError(err, { source: this.name, phase: 'operation' });
    const verdict = failureVerdict(e);
    const transport = verdict.replicaDown || verdict.notPerformed || verdict.retryReads;
    this.finish(connection, options, transport || !connection.usable);
    if (verdict.replicaDown) {
      this.markDown(connection.url, e);
      failed.add(connection.url);
    }
    const again = !delivered && !options.signal?.aborted && !this.closed
      && (verdict.notPerformed || (kind === 'read' && verdict.retryReads));
    if (!again) throw e;
    return e;
  }

  /** Runs one request/response operation with fail-over. */
  private async perform<T>(kind: Kind, options: SourceOperationOptions, work: (c: SourceConnection) => Promise<T>): Promise<T> {
    this.checkOpen();
    if (kind === 'write') this.checkWritable();
    const failed = new Set<string>();
    let last: DirgateError | undefined;
    // Each URL once, plus one more for a pooled connection found dead.
    for (let attempt = 0; attempt <= this.urls.length && failed.size < this.urls.length; attempt += 1) {
      const connection = await this.connectionFor(options);
      try {
        const result = await connection.run(() => work(connection), options.signal);
        this.finish(connection, options, false);
        return result;
      } catch (err) {
        last = this.afterFailure(err, connection, kind, options, failed);
      }
    }
    throw last as DirgateError;
  }

  private send<T extends LdapResponse>(connection: SourceConnection, build: (messageId: number) => LdapRequest): Promise<T> {
    return exchange<T>(connection.client, build(nextMessageId(connection.client)));
  }

  // ---- LdapSource ------------------------------------------------------------

  async *search(req: SearchRequest, options: SourceOperationOptions = {}): AsyncIterable<SearchEvent> {
    this.checkOpen();
    const prepared = prepareSearch(req, this.binary.list());
    const failed = new Set<string>();
    let last: DirgateError | undefined;
    for (let attempt = 0; attempt <= this.urls.length && failed.size < this.urls.length; attempt += 1) {
      const connection = await this.connectionFor(options);
      let delivered = false;
      let settled = false;
      try {
        const message = prepared.build(nextMessageId(connection.client));
        for await (const event of searchOnConnection(connection, message, {
          source: this.name, operationMs: this.settings.operationMs, binary: this.binary, signal: options.signal,
        })) {
          delivered = true;
          yield event;
        }
        settled = true;
        this.finish(connection, options, false);
        return;
      } catch (err) {
        settled = true;
        last = this.afterFailure(err, connection, 'read', options, failed, delivered);
      } finally {
        // The consumer stopped early: the rest of the answer would arrive on
        // this connection, so it cannot serve anyone else.
        if (!settled) this.finish(connection, options, true);
      }
    }
    throw last as DirgateError;
  }

  add(req: AddRequest, options: SourceOperationOptions = {}): Promise<OperationResult> {
    return this.perform('write', options, async (c) => operationResult(expect(
      await this.send(c, (id) => addMessage(req, id)), [LDAP_RESULT.success], this.name)));
  }

  modify(req: ModifyRequest, options: SourceOperationOptions = {}): Promise<OperationResult> {
    return this.perform('write', options, async (c) => operationResult(expect(
      await this.send(c, (id) => modifyMessage(req, id)), [LDAP_RESULT.success], this.name)));
  }

  delete(req: DeleteRequest, options: SourceOperationOptions = {}): Promise<OperationResult> {
    return this.perform('write', options, async (c) => operationResult(expect(
      await this.send(c, (id) => deleteMessage(req, id)), [LDAP_RESULT.success], this.name)));
  }

  modifyDN(req: ModifyDNRequest, options: SourceOperationOptions = {}): Promise<OperationResult> {
    return this.perform('write', options, async (c) => operationResult(expect(
      await this.send(c, (id) => modifyDNMessage(req, id)), [LDAP_RESULT.success], this.name)));
  }

  compare(req: CompareRequest, options: SourceOperationOptions = {}): Promise<OperationResult> {
    return this.perform('read', options, async (c) => operationResult(expect(
      await this.send(c, (id) => compareMessage(req, id)), [LDAP_RESULT.compareTrue, LDAP_RESULT.compareFalse], this.name)));
  }

  /**
   * Extended operations are passed through, never repeated. ldapts 8 decodes a
   * response value as UTF-8 text, so a binary response value is not byte-exact.
   */
  extended(req: ExtendedRequest, options: SourceOperationOptions = {}): Promise<ExtendedResult> {
    if (req.oid !== WHO_AM_I_OID) this.checkWritable();
    return this.perform('write', options, async (c) => {
      const response = expect(await this.send<ExtendedResponse & LdapResponse>(c, (id) => extendedMessage(req, id)), [LDAP_RESULT.success], this.name);
      return {
        ...operationResult(response),
        ...(response.oid ? { oid: response.oid } : {}),
        ...(response.value !== undefined ? { value: Buffer.from(response.value, 'utf8') } : {}),
      };
    });
  }

  async verifyPassword(dn: string, password: string, options: SourceOperationOptions = {}): Promise<void> {
    this.checkOpen();
    if (!dn || !password) {
      throw new DirgateError('ERR_AUTHENTICATION_FAILED', 'authentication failed', { reason: 'empty-credentials' });
    }
    const failed = new Set<string>();
    let last: DirgateError | undefined;
    // Each URL once, plus one more for a pooled connection found dead.
    for (let attempt = 0; attempt <= this.urls.length && failed.size < this.urls.length; attempt += 1) {
      const connection = await this.bindPool.acquire(options.signal);
      try {
        // Sent as our own message: ldapts's bind() would reconnect a dropped socket silently, without StartTLS.
        const response = await connection.run(() => this.send(connection, (id) => simpleBindMessage(dn, password, id)), options.signal, 'user-bind');
        if (response.status !== LDAP_RESULT.success) throw StatusCodeParser.parse(response as never);
      } catch (err) {
        const e = mapSourceError(err, { source: this.name, phase: 'user-bind' });
        const verdict = failureVerdict(e);
        if (!(verdict.replicaDown || verdict.notPerformed || verdict.retryReads)) {
          // A refused bind leaves the connection anonymous (RFC 4511 section 4.2.1) and fit for the next check.
          this.bindPool.release(connection);
          throw e;
        }
        this.bindPool.discard(connection);
        if (verdict.replicaDown) {
          this.markDown(connection.url, e);
          failed.add(connection.url);
        }
        if (options.signal?.aborted || this.closed) throw e;
        last = e;
        continue;
      }
      // Bound as the user now, which matters to nobody: the next use of this connection is another bind.
      this.bindPool.release(connection);
      return;
    }
    throw last as DirgateError;
  }

  async probe(): Promise<SourceHealth> {
    this.checkOpen();
    const base: SearchRequest = {
      baseDN: this.baseDn, scope: 'base', derefAliases: 'never', sizeLimit: 1, timeLimit: 0, typesOnly: false,
      filter: { type: 'present', attribute: 'objectClass' }, attributes: ['1.1'], controls: [],
    };
    const prepared = prepareSearch(base, []);
    await Promise.all(this.urls.map(async (url) => {
      let connection: SourceConnection | undefined;
      try {
        connection = await openConnection(url, this.settings, { credentials: this.serviceCredentials, phase: 'service-bind' });
        const events = searchOnConnection(connection, prepared.build(nextMessageId(connection.client)), {
          source: this.name, operationMs: this.settings.operationMs, binary: this.binary,
        });
        try {
          for await (const event of events) void event;
        } catch (err) {
          const e = mapSourceError(err, { source: this.name, phase: 'operation' });
          // Any LDAP answer (a missing base entry included) shows the replica is there.
          if (failureVerdict(e).replicaDown || failureVerdict(e).retryReads) throw e;
        }
        this.markUp(url);
      } catch (err) {
        this.markDown(url, mapSourceError(err, { source: this.name, phase: 'connect' }));
      } finally {
        connection?.close();
      }
    }));
    return this.health();
  }

  health(): SourceHealth {
    return this.replicas.health(this.name);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pool.close();
    this.bindPool.close();
  }
}

export function createLdapSource(config: LdapSourceConfig, options: LdapSourceOptions): LdapSource {
  return new PooledLdapSource(config, options);
}
