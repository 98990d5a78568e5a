/**
 * The interception-script contract: the hooks, what each receives and returns,
 * and the services a script is given. A script is a module exporting
 * `configSchema` (JSON Schema of its `scripts.<hook>.config`) and
 * `create(config, services)` returning the handler; docs/sessions.md has a
 * worked example.
 */
import type { AddRequest, CompareRequest, DeleteRequest, ExtendedRequest, ModifyDNRequest, ModifyRequest, OperationContext, OperationResult, SearchRequest } from '../directory/model.js';
import type { Logger } from '../log.js';
import type { EndReason, SessionData, SessionStore, ValidatedSession } from '../sessions/store.js';

export const HOOK_NAMES = ['createSession', 'validateSession', 'getEncryptionKey', 'logoff', 'beforeOperation', 'afterOperation'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/** The user as primary authentication established them. */
export interface AuthenticatedUser {
  /** Virtual DN: the token's subject. */
  dn: string;
  /** The name the user logged in with (or the JWT claim / certificate value). */
  loginName: string;
  /** The user's virtual entry attributes, where the gateway read them (uid, cn, mail, ...). */
  attributes: Record<string, string[]>;
}

/** The application's session policy (from `applications[]`). */
export interface ApplicationPolicy {
  id: string;
  mfa: 'none' | 'totp';
  /** Seconds. */
  sessionIdleTimeout: number;
  /** Seconds. */
  sessionMaxLifetime: number;
}

export interface CreateSessionInput {
  user: AuthenticatedUser;
  app: ApplicationPolicy;
  authMethod: 'password' | 'jwt' | 'certificate';
}
export interface CreateSessionOutput { session: SessionData; token: string }

export interface ValidateSessionInput {
  sessionId: string;
  token: string;
  /** The calling application. */
  app: string;
  allowPendingMfa: boolean;
}
export type ValidateSessionOutput = ValidatedSession;

export interface GetEncryptionKeyInput { session: SessionData }
export interface GetEncryptionKeyOutput {
  /** The IBE identity the key belongs to (`ibeIdentity` in the login answer). */
  identity: string;
  /** The client's private key: base64 of the 48-byte compressed G1 point (`sessionKey`). */
  key: string;
  /** Milliseconds since 1970. */
  expiresAt: number;
}

export interface LogoffInput { sessionId: string; reason: EndReason }
export interface LogoffOutput { ended: boolean }

export type DirectoryOperation =
  | { kind: 'search'; request: SearchRequest }
  | { kind: 'add'; request: AddRequest }
  | { kind: 'modify'; request: ModifyRequest }
  | { kind: 'delete'; request: DeleteRequest }
  | { kind: 'modifyDN'; request: ModifyDNRequest }
  | { kind: 'compare'; request: CompareRequest }
  | { kind: 'extended'; request: ExtendedRequest };

export interface BeforeOperationInput { operation: DirectoryOperation; context: OperationContext }
/** The operation to run (the same, or changed); throw a DirgateError to refuse it. */
export type BeforeOperationOutput = DirectoryOperation;

export interface AfterOperationInput { operation: DirectoryOperation; context: OperationContext; result: OperationResult }
export type AfterOperationOutput = OperationResult;

export interface HookTypes {
  createSession: { input: CreateSessionInput; output: CreateSessionOutput };
  validateSession: { input: ValidateSessionInput; output: ValidateSessionOutput };
  getEncryptionKey: { input: GetEncryptionKeyInput; output: GetEncryptionKeyOutput };
  logoff: { input: LogoffInput; output: LogoffOutput };
  beforeOperation: { input: BeforeOperationInput; output: BeforeOperationOutput };
  afterOperation: { input: AfterOperationInput; output: AfterOperationOutput };
}
export type HookInput<H extends HookName> = HookTypes[H]['input'];
export type HookOutput<H extends HookName> = HookTypes[H]['output'];

/** What the key server client offers scripts (src/keyserver/client.ts adapts to it). */
export interface IdentityKeys {
  /** Extracts the private key for an identity valid until `expiresAt` (ms); base64 of the compressed G1 point. */
  extract(identity: string, expiresAt: number): Promise<string>;
  revoke(identity: string): Promise<void>;
}

export interface ScriptServices {
  sessions: SessionStore;
  /** Absent where no key server is configured; getEncryptionKey then fails. */
  keys?: IdentityKeys;
  logger: Logger;
  clock: () => number;
}

export interface CallContext {
  /** Aborted when the call's time limit passes: long work should stop. */
  signal: AbortSignal;
  requestId?: string;
}

export type ScriptHandler<H extends HookName> = (input: HookInput<H>, ctx: CallContext) => Promise<HookOutput<H>> | HookOutput<H>;

/** What a script module exports. */
export interface ScriptModule<H extends HookName = HookName, C = Record<string, unknown>> {
  /** JSON Schema (draft-07) of the script's configuration; checked at start-up, defaults applied. */
  configSchema: Record<string, unknown>;
  create(config: C, services: ScriptServices): ScriptHandler<H> | Promise<ScriptHandler<H>>;
}
