/**
 * The only module that reaches past ldapts's public API, and why:
 * - `Client.search` collects a whole result in memory, turns entries into
 *   plain objects (losing per-entry controls and the raw bytes' order) and
 *   drops the response controls, so a paged-results cookie could never reach
 *   a DSML client. Sending our own SearchRequest through `_send` and listening
 *   to the message parser streams entries as they arrive, with their controls,
 *   and gives the final SearchResponse with its controls.
 * - `Client.modifyDN` always deletes the old RDN and splits the new DN with a
 *   regular expression; `compare` and `exop` return no controls. Every
 *   operation here is the request message itself, sent with `_send`.
 * - Connecting is separate from binding so the connect time limit covers only
 *   the TCP (and TLS) set-up: `_connect`.
 * ldapts is pinned to major 8; the integration tests exercise every path here.
 */
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import {
  SearchEntry, SearchReference, type Client, type Control, type SearchRequest, type SearchResponse,
} from 'ldapts';
import { ConnectionClosedError } from './map-error.js';

/** What every LDAP response message carries (ldapts does not export its base class). */
export interface LdapResponse {
  messageId: number;
  status: number;
  matchedDN: string;
  errorMessage: string;
  controls?: Control[];
}

/** What every request message offers (ldapts does not export its base class). */
export interface LdapRequest {
  messageId: number;
  controls?: Control[];
  write(): Buffer;
}

interface ClientInternals {
  _connect(): Promise<void> | undefined;
  _send(message: LdapRequest): Promise<LdapResponse | undefined>;
  _nextMessageId(): number;
  _destroySocket(socket: Socket | undefined): void;
  socket?: Socket;
  messageParser: EventEmitter;
  messageDetailsByMessageId: Map<string, { searchEntries?: unknown[]; searchReferences?: unknown[] }>;
}

const inside = (client: Client): ClientInternals => client as unknown as ClientInternals;

/** Opens the TCP (or TLS, for ldaps) connection without sending anything. */
export async function connectTransport(client: Client): Promise<void> {
  await inside(client)._connect();
}

/** Drops the connection at once, failing whatever is pending on it. */
export function destroyTransport(client: Client): void {
  const c = inside(client);
  c._destroySocket(c.socket);
}

export function nextMessageId(client: Client): number {
  return inside(client)._nextMessageId();
}

/**
 * Sends one request and resolves with its response, whatever its result code.
 * Throws ConnectionClosedError, without writing anything, on a closed connection.
 */
export function exchange<T extends LdapResponse>(client: Client, request: LdapRequest): Promise<T> {
  if (!client.isConnected) return Promise.reject(new ConnectionClosedError());
  let sent: Promise<LdapResponse | undefined>;
  try {
    sent = inside(client)._send(request);
  } catch (err) {
    // Encoding the request failed (ldapts encodes synchronously): nothing was written.
    return Promise.reject(err);
  }
  return sent.then((response) => {
    // ldapts resolves with nothing only for abandon and unbind, which we never send here.
    if (!response) throw new ConnectionClosedError();
    return response as T;
  });
}

export interface SearchListener {
  entry(message: SearchEntry): void;
  reference(message: SearchReference): void;
}

/**
 * Sends a search and reports each entry and reference as it is parsed; resolves
 * with the final SearchResponse. Entries are not kept in memory by ldapts.
 */
export function streamSearch(client: Client, request: SearchRequest, listener: SearchListener): Promise<SearchResponse> {
  const c = inside(client);
  const key = String(request.messageId);
  const onMessage = (message: unknown): void => {
    if ((message as { messageId?: number }).messageId !== request.messageId) return;
    if (message instanceof SearchEntry) listener.entry(message);
    else if (message instanceof SearchReference) listener.reference(message);
    else return;
    // ldapts's own listener, which runs first, has collected it for the final
    // response; we already handed it on, so let it go.
    const details = c.messageDetailsByMessageId.get(key);
    details?.searchEntries?.splice(0);
    details?.searchReferences?.splice(0);
  };
  c.messageParser.on('message', onMessage);
  return exchange<SearchResponse>(client, request as unknown as LdapRequest)
    .finally(() => c.messageParser.off('message', onMessage));
}

/** Stops reading from the server (back-pressure while the consumer catches up). */
export function pauseReading(client: Client): void {
  inside(client).socket?.pause();
}

export function resumeReading(client: Client): void {
  inside(client).socket?.resume();
}
