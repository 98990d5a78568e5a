/**
 * What the authenticator learned about a caller, for the parts that run after
 * it: the `o=gateway` subtree (login needs the user the credentials named, a
 * heartbeat needs the session), the view guard and the payload crypto. The
 * routes pass `caller.ctx` down to the directory; the batch executor copies the
 * context but keeps its `principal` object, so the state is attached to that
 * object (a WeakMap: it goes when the request does). Nothing here is sent to
 * the client.
 */
import type { Entry, OperationContext, Principal } from '../../directory/model.js';
import type { SessionData } from '../../sessions/store.js';
import type { Application, AuthMethod } from './applications.js';
import type { PayloadKeyRecord } from './payload-keys.js';

/** A session as stored, with the payload key the gateway adds to it at login. */
export type GatewaySession = SessionData & { payload?: PayloadKeyRecord };

export type CallerState =
  | { kind: 'anonymous'; app: Application }
  /** Primary credentials (password, JWT, certificate): may log in. */
  | { kind: 'primary'; app: Application; method: AuthMethod; loginName: string; user: Entry }
  /** Session credentials, validated. */
  | {
    kind: 'session';
    app: Application;
    session: GatewaySession;
    /** The token the caller should use from now on (the presented one, or its renewal). */
    token: string;
    /** Set by the subtree when the answer hands out the session key: such an answer cannot be encrypted to it. */
    handsOutKey?: boolean;
  };

const states = new WeakMap<Principal, CallerState>();

export function attachState(principal: Principal, state: CallerState): void {
  states.set(principal, state);
}

export function stateOf(ctx: Pick<OperationContext, 'principal'>): CallerState | undefined {
  return states.get(ctx.principal);
}

export function mfaPending(state: CallerState | undefined): boolean {
  return state?.kind === 'session' && state.session.mfa.state === 'pending';
}
