/**
 * One search on one connection, as a stream of SearchEvents: entries and
 * references as the server sends them, then `done`. The server is held back
 * (the socket paused) while the consumer is more than HIGH_WATER events
 * behind, and the operation time limit counts silence from the server, not the
 * time the consumer takes.
 *
 * Results that end a search with entries still meaningful (success, size,
 * time and administrative limits, referral) become `done`; every other result
 * is thrown as a DirgateError after the events already delivered.
 */
import { StatusCodeParser, type SearchEntry, type SearchRequest as LdapSearchRequest, type SearchResponse } from 'ldapts';
import { LDAP_RESULT } from '../../errors.js';
import type { SearchEvent } from '../model.js';
import type { SourceConnection } from './connection.js';
import { fromLdapControls } from './controls.js';
import { mapSourceError, SourceTimeoutError } from './map-error.js';
import { abortError, Watchdog } from './time-limit.js';
import type { BinaryAttributes } from './values.js';
import { fromLdapAttribute } from './values.js';
import { pauseReading, resumeReading, streamSearch } from './wire.js';

const HIGH_WATER = 512;
const LOW_WATER = 64;

const DONE_CODES: ReadonlySet<number> = new Set([
  LDAP_RESULT.success, LDAP_RESULT.sizeLimitExceeded, LDAP_RESULT.timeLimitExceeded,
  LDAP_RESULT.adminLimitExceeded, LDAP_RESULT.referral,
]);

export interface SearchStreamOptions {
  source: string;
  operationMs: number;
  binary: BinaryAttributes;
  signal?: AbortSignal;
}

function entryEvent(message: SearchEntry, binary: BinaryAttributes): SearchEvent {
  const entry = { dn: message.name, attributes: message.attributes.map((a) => fromLdapAttribute(a, binary)) };
  const controls = fromLdapControls(message.controls);
  return controls ? { kind: 'entry', entry, controls } : { kind: 'entry', entry };
}

export async function* searchOnConnection(
  connection: SourceConnection,
  request: LdapSearchRequest,
  o: SearchStreamOptions,
): AsyncGenerator<SearchEvent> {
  const client = connection.client;
  const queue: SearchEvent[] = [];
  let paused = false;
  let outcome: { response: SearchResponse } | { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const settle = (o2: { response: SearchResponse } | { error: unknown }): void => {
    outcome ??= o2;
    wake?.();
  };
  const watchdog = new Watchdog(o.operationMs, () => {
    settle({ error: new SourceTimeoutError('operation', o.operationMs) });
    connection.destroy();
  });
  const onAbort = (): void => {
    settle({ error: abortError(o.signal as AbortSignal) });
    connection.destroy();
  };
  const push = (event: SearchEvent): void => {
    queue.push(event);
    watchdog.kick();
    if (!paused && queue.length >= HIGH_WATER) {
      paused = true;
      pauseReading(client);
      watchdog.suspend();
    }
    wake?.();
  };

  if (o.signal?.aborted) throw abortError(o.signal);
  o.signal?.addEventListener('abort', onAbort, { once: true });
  watchdog.kick();
  streamSearch(client, request, {
    entry: (m) => push(entryEvent(m, o.binary)),
    reference: (m) => push({ kind: 'reference', uris: [...m.uris] }),
  }).then((response) => settle({ response }), (error: unknown) => settle({ error }));

  try {
    for (;;) {
      const event = queue.shift();
      if (event) {
        if (paused && queue.length <= LOW_WATER) {
          paused = false;
          resumeReading(client);
          watchdog.kick();
        }
        yield event;
        continue;
      }
      if (outcome) break;
      await new Promise<void>((resolve) => { wake = resolve; });
      wake = undefined;
    }
  } finally {
    watchdog.stop();
    o.signal?.removeEventListener('abort', onAbort);
    if (paused) resumeReading(client);
  }

  if ('error' in outcome) throw outcome.error;
  const { response } = outcome;
  if (!DONE_CODES.has(response.status)) {
    throw mapSourceError(StatusCodeParser.parse(response), { source: o.source, phase: 'operation', matchedDN: response.matchedDN });
  }
  const controls = fromLdapControls(response.controls);
  yield {
    kind: 'done',
    result: {
      resultCode: response.status,
      ...(response.matchedDN ? { matchedDN: response.matchedDN } : {}),
      ...(controls ? { controls } : {}),
    },
  };
}
