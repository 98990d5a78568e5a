/**
 * What the SPML executor runs with: the directory and caller, the targets and
 * limits, the caller-supplied authorization and audit hooks, and the
 * per-process state (jobs, iterators) that outlives a request.
 */
import type { Directory, OperationContext, Principal } from '../directory/model.js';
import type { SpmlErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { SpmlConfig, SpmlOperationName, SpmlTargetConfig } from './config.js';
import type { IteratorStore } from './iterators.js';
import type { SpmlJob, SpmlJobTable } from './jobs.js';
import type { SpmlTarget } from './targets.js';

/** Operations the authorize hook is asked about. */
export type SpmlAuthorizedOperation = SpmlOperationName | 'listTargets' | 'iterate' | 'closeIterator' | 'batch' | 'status' | 'cancel';

/**
 * Decides whether `principal` may run `operation` on `target` (undefined for
 * operations not tied to one target: listTargets, batch, status, cancel,
 * iterate, closeIterator). Return false to refuse; the request fails with
 * customError "insufficient access rights".
 */
export type SpmlAuthorize = (principal: Principal, target: SpmlTargetConfig | undefined, operation: SpmlAuthorizedOperation) => boolean | Promise<boolean>;

/** One provisioning change (or refused attempt), for the audit log. Never carries attribute values or passwords. */
export interface SpmlAuditEvent {
  time: string;
  /** The HTTP request's id (OperationContext.requestId). */
  requestId: string;
  /** The SPML requestID, when the request had one (or was given one for asynchronous execution). */
  spmlRequestID?: string;
  principal: { dn?: string; appId?: string };
  operation: SpmlOperationName;
  target?: string;
  psoID?: string;
  dn?: string;
  outcome: 'success' | 'failure' | 'denied';
  error?: SpmlErrorCode;
  /** Stable kebab-case reason id of a failure (DirgateError.reason). */
  reason?: string;
  message?: string;
  /** Names of the attributes written, for add and modify. */
  attributes?: string[];
  asynchronous: boolean;
}

export type SpmlAudit = (event: SpmlAuditEvent) => void | Promise<void>;

/** The targets and limits, built once from the configuration. */
export interface SpmlTargets {
  config: SpmlConfig;
  list: SpmlTarget[];
}

export interface SpmlRuntimeDeps {
  directory: Directory;
  ctx: OperationContext;
  targets: SpmlTargets;
  authorize: SpmlAuthorize;
  audit: SpmlAudit;
  jobs: SpmlJobTable;
  iterators: IteratorStore;
  logger?: Logger;
}

export interface ExecEnv extends SpmlRuntimeDeps {
  /** Whom iterators and jobs belong to: the session when known, else the principal. */
  owner: string;
  /** Set while running as an asynchronous job. */
  job?: SpmlJob;
}
