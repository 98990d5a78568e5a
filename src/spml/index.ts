/**
 * SPMLv2 provisioning (POST /spml), transport-free: docs/spml.md describes the
 * targets, the DSMLv2 profile, the capabilities and the PSO identifier scheme.
 */
export { handleSpmlRequest, createSpmlRuntime, SPML_CONTENT_TYPE } from './handler.js';
export type { SpmlRequestMeta, SpmlHttpResponse, SpmlRuntime } from './handler.js';
export type {
  SpmlAuthorize, SpmlAuthorizedOperation, SpmlAudit, SpmlAuditEvent, SpmlRuntimeDeps, SpmlTargets,
} from './env.js';
export type { SpmlConfig, SpmlTargetConfig, SpmlOperationName } from './config.js';
export { spmlConfigWithDefaults, checkSpmlConfig } from './config.js';
export { isSuspended } from './suspended.js';
export { SpmlJobTable } from './jobs.js';
export { IteratorStore } from './iterators.js';
export { parseSpmlEnvelope } from './parse.js';
export { serializeResponse, serializeFault } from './serialize.js';
