/**
 * The DSMLv2 front, free of transport: parse -> execute through the Directory
 * interface -> serialize. The route for POST /dsml calls handleDsmlRequest (or
 * its streaming twin) and writes what it returns.
 */
export { handleDsmlRequest, handleDsmlRequestStream, collectBody } from './handler.js';
export type { DsmlDeps, DsmlRequestMeta, DsmlHttpResponse, DsmlHttpStreamResponse } from './handler.js';
export { executeBatch, runBatch } from './batch.js';
export type { BatchOptions, DirectoryResolver, PacedSink } from './batch.js';
export { parseDsmlDocument, readBatch, DsmlDocumentError } from './parse.js';
export { serializeBatchResponse, BatchResponseWriter, BatchResponseCollector } from './serialize.js';
export type { ResponseSink, EnvelopeOptions } from './serialize.js';
export { soapFault, faultForError } from './soap.js';
export { DsmlSessionStore } from './session-store.js';
export type { DsmlSession, SessionOwner } from './session-store.js';
export { dsmlConfig } from './config.js';
export type { DsmlConfig, DsmlLimits, DsmlSessionConfig } from './config.js';
export { isErrorResponse, resultDescr } from './results.js';
export * from './constants.js';
export type * from './types.js';
