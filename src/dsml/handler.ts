/**
 * The transport-free entry point of POST /dsml: request bytes in, status,
 * content type and response body out. The route adds HTTP concerns
 * (authentication of the caller, 401 challenges, encryption) around it.
 *
 * Pipeline: size check -> parse (Fault on a bad document) -> Microsoft session
 * header (Fault on a bad or exhausted session) -> run the batch -> batchResponse
 * (HTTP 200 whatever it holds), in the SOAP version of the request or bare.
 */
import { DirgateError } from '../errors.js';
import type { Directory, OperationContext, Principal } from '../directory/model.js';
import type { Logger } from '../log.js';
import { childContext, runBatch, type BatchOptions, type DirectoryResolver, type PacedSink } from './batch.js';
import { dsmlConfig, type DsmlConfig } from './config.js';
import { CONTENT_TYPE, SOAP12_NS, type SoapVersion } from './constants.js';
import { DsmlDocumentError, parseDsmlDocument, soapVersionFromContentType } from './parse.js';
import { BatchResponseWriter, serializeBatchResponse, type EnvelopeOptions } from './serialize.js';
import type { DsmlSession, DsmlSessionStore, SessionOwner } from './session-store.js';
import { faultForError, soapFault } from './soap.js';
import type { DsmlRequestDocument } from './types.js';

export interface DsmlRequestMeta {
  contentType?: string;
  /** Accepted whatever it says: .NET sends "#batchRequest", others nothing or the empty string. */
  soapAction?: string;
  /** The caller's address, for sessions bound to the address that began them. */
  clientIp?: string;
}

export interface DsmlDeps {
  /** The directory, or a resolver from a DN to the directory serving it (o=gateway apart). */
  directory: Directory | DirectoryResolver;
  /** Who the caller is, as the route authenticated them. */
  ctx: OperationContext;
  /** Microsoft DSML sessions; without a store, session headers are answered as not understood. */
  sessions?: DsmlSessionStore;
  /** The `dsml` configuration section (defaults when omitted). */
  config?: DsmlConfig;
  resolveAuthRequest?: (principal: string, ctx: OperationContext) => Promise<Principal>;
  logger?: Logger;
}

export interface DsmlHttpResponse {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

export interface DsmlHttpStreamResponse {
  status: number;
  contentType: string;
  /** The response text, in pieces as the batch runs. */
  body: AsyncIterable<string>;
  headers?: Record<string, string>;
}

let defaults: DsmlConfig | undefined;
function configOf(deps: DsmlDeps): DsmlConfig {
  return deps.config ?? (defaults ??= dsmlConfig());
}

/** Guesses the form of a request that is not parsed (too large): SOAP 1.2, SOAP 1.1, or bare. */
function sniffForm(body: Buffer, contentType: string | undefined): SoapVersion | undefined {
  const head = body.subarray(0, 2048).toString('latin1');
  if (/<([A-Za-z_][\w.-]*:)?Envelope[\s>]/.test(head)) return head.includes(SOAP12_NS) ? '1.2' : '1.1';
  if (/<([A-Za-z_][\w.-]*:)?batchRequest[\s>/]/.test(head)) return undefined;
  return soapVersionFromContentType(contentType);
}

function contentTypeFor(soap: SoapVersion | undefined): string {
  return soap === '1.1' ? CONTENT_TYPE.soap11 : soap === '1.2' ? CONTENT_TYPE.soap12 : CONTENT_TYPE.bare;
}

/** A batchResponse holding one errorResponse for the whole request (a document-level limit). */
function wholeRequestRefused(soap: SoapVersion | undefined, err: DirgateError, requestID?: string): DsmlHttpResponse {
  const body = serializeBatchResponse(
    { ...(requestID === undefined ? {} : { requestID }), responses: [{ kind: 'error', type: err.spec.dsml ?? 'notAttempted', message: err.publicMessage }] },
    soap ? { soap } : {},
  );
  return { status: 200, contentType: contentTypeFor(soap), body };
}

function ownerOf(ctx: OperationContext, clientIp: string | undefined): SessionOwner {
  const p = ctx.principal;
  return { principal: `${p.appId ?? ''}\u0000${p.service ? 'service' : p.dn ?? ''}`, ...(clientIp === undefined ? {} : { clientIp }) };
}

interface Prepared {
  doc: DsmlRequestDocument;
  session?: DsmlSession;
  config: DsmlConfig;
}

/** Everything before the batch runs; a finished response when the request stops here. */
function prepare(body: Buffer, meta: DsmlRequestMeta, deps: DsmlDeps): Prepared | DsmlHttpResponse {
  const config = configOf(deps);
  const log = deps.logger;
  if (body.length > config.limits.bodyBytes) {
    const err = new DirgateError('ERR_LIMIT_EXCEEDED', 'the request is larger than the configured maximum', { reason: 'dsml-body-too-large' });
    log?.info('dsml request refused', { reason: err.reason, bytes: body.length });
    return wholeRequestRefused(sniffForm(body, meta.contentType), err);
  }
  let doc: DsmlRequestDocument;
  try {
    doc = parseDsmlDocument(body, { config, contentType: meta.contentType });
  } catch (thrown) {
    if (!(thrown instanceof DsmlDocumentError)) throw thrown;
    const err = thrown.error;
    log?.info('dsml request refused', { reason: err.reason, code: err.code });
    if (err.code === 'ERR_LIMIT_EXCEEDED') return wholeRequestRefused(thrown.soap ?? sniffForm(body, meta.contentType), err);
    const soap = thrown.soap ?? soapVersionFromContentType(meta.contentType);
    if (thrown.faultKind === 'MustUnderstand') return soapFault(soap, 'MustUnderstand', err.publicMessage, soap === '1.1' ? 500 : 400, thrown.notUnderstood);
    return faultForError(soap, err);
  }
  if (doc.batch.invalid) log?.info('dsml batch refused', { reason: doc.batch.invalid.reason });

  let session: DsmlSession | undefined;
  if (doc.session && doc.soap) {
    const store = deps.sessions;
    if (!store) {
      return soapFault(doc.soap, 'MustUnderstand', 'DSML sessions are not supported here', doc.soap === '1.1' ? 500 : 400);
    }
    const owner = ownerOf(deps.ctx, meta.clientIp);
    try {
      session = doc.session.kind === 'begin' ? store.begin(owner) : store.use(doc.session.sessionId, owner);
    } catch (thrown) {
      if (!(thrown instanceof DirgateError)) throw thrown;
      log?.info('dsml session refused', { reason: thrown.reason });
      // The session store's own messages say nothing of the inside, so they are shown as they are.
      const busy = thrown.code === 'ERR_BUSY';
      return soapFault(doc.soap, busy ? 'Server' : 'Client', thrown.message, busy ? 503 : 400);
    }
  }
  return { doc, config, ...(session ? { session } : {}) };
}

function batchOptions(prepared: Prepared, deps: DsmlDeps): BatchOptions {
  const options: BatchOptions = { parallelism: prepared.config.parallelism };
  if (deps.resolveAuthRequest) options.resolveAuthRequest = deps.resolveAuthRequest;
  if (deps.logger) options.logger = deps.logger;
  if (prepared.session && deps.sessions) options.session = { store: deps.sessions, session: prepared.session };
  return options;
}

function finishSession(prepared: Prepared, deps: DsmlDeps): void {
  if (prepared.session && prepared.doc.session?.kind === 'end') deps.sessions?.end(prepared.session.id);
}

function envelopeOf({ doc, session }: Prepared): EnvelopeOptions {
  return { ...(doc.soap ? { soap: doc.soap } : {}), ...(session ? { sessionId: session.id } : {}) };
}

/** Handles one POST /dsml body; the whole response text at once. */
export async function handleDsmlRequest(body: Buffer, meta: DsmlRequestMeta, deps: DsmlDeps): Promise<DsmlHttpResponse> {
  const prepared = prepare(body, meta, deps);
  if (!('doc' in prepared)) return prepared;
  const writer = new BatchResponseWriter(envelopeOf(prepared), prepared.doc.batch.requestID);
  try {
    await runBatch(prepared.doc.batch, deps.directory, deps.ctx, writer, batchOptions(prepared, deps));
  } finally {
    finishSession(prepared, deps);
  }
  return { status: 200, contentType: contentTypeFor(prepared.doc.soap), body: writer.end() };
}

/** Pieces are handed out once this much text is waiting, and the batch waits while it is. */
const HIGH_WATER = 64 * 1024;

class StreamingWriter extends BatchResponseWriter implements PacedSink {
  wake: (() => void) | undefined;
  resume: (() => void) | undefined;
  closed = false;

  drain(): Promise<void> | undefined {
    if (this.closed || this.pendingLength < HIGH_WATER) return undefined;
    this.wake?.();
    return new Promise((resolve) => { this.resume = resolve; });
  }

  release(): void {
    const r = this.resume;
    this.resume = undefined;
    r?.();
  }
}

/**
 * Handles one POST /dsml body, streaming: search entries leave as the
 * directory yields them. Status and headers are final before the body starts
 * (a batchResponse is always 200). If the consumer stops reading, the batch
 * is aborted (the directory sees the signal) and nothing more is produced.
 */
export async function handleDsmlRequestStream(body: Buffer, meta: DsmlRequestMeta, deps: DsmlDeps): Promise<DsmlHttpStreamResponse> {
  const outcome = prepare(body, meta, deps);
  if (!('doc' in outcome)) {
    return { ...outcome, body: (async function* one() { yield outcome.body; })() };
  }
  const prepared: Prepared = outcome;
  const writer = new StreamingWriter(envelopeOf(prepared), prepared.doc.batch.requestID);
  const options = batchOptions(prepared, deps);
  const controller = new AbortController();
  const ctx = childContext(deps.ctx, controller);

  async function* pieces(): AsyncGenerator<string> {
    let finished = false;
    let failure: unknown;
    const running = runBatch(prepared.doc.batch, deps.directory, ctx, writer, options)
      .catch((err: unknown) => { failure = err; })
      .finally(() => {
        finished = true;
        finishSession(prepared, deps);
        writer.wake?.();
      });
    try {
      for (;;) {
        if (!finished && writer.pendingLength < HIGH_WATER) {
          await new Promise<void>((resolve) => { writer.wake = resolve; });
          writer.wake = undefined;
        }
        const piece = writer.take();
        writer.release();
        if (piece) yield piece;
        if (finished) break;
      }
      await running;
      if (failure) throw failure;
      yield writer.end();
    } finally {
      if (!finished) controller.abort();
      writer.closed = true;
      writer.release();
    }
  }
  return { status: 200, contentType: contentTypeFor(prepared.doc.soap), body: pieces() };
}

/** Reads a whole streamed body (tests, and callers that want the text after all). */
export async function collectBody(body: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const piece of body) out += piece;
  return out;
}
