/**
 * The gateway's own subtree, `o=gateway` (DESIGN section 3). Who may do what,
 * one line per DN and operation:
 *
 *   DN                          | op      | who                                   | MFA pending
 *   ----------------------------+---------+---------------------------------------+------------
 *   o=gateway, ou=applications  | search  | anyone                                | allowed
 *   cn=<app>,ou=applications    | search  | anyone, the calling application's own | allowed
 *   ou=sessions (base)          | search  | primary credentials: LOGIN            | -
 *   ou=sessions (one level)     | search  | right `sessions`: list                | refused
 *   sessionId=<id>,ou=sessions  | search  | that session: heartbeat;              | allowed
 *                               |         | right `sessions`: the admin view      |
 *   same                        | modify  | that session: replace totp            | allowed
 *   same                        | delete  | that session, right `sessions`: logoff| allowed
 *   cn=mfa,ou=self              | add     | a session: enrol                      | allowed
 *   same                        | search  | a session: the enrolment              | allowed
 *   same                        | modify  | a session: replace totp (verify)      | allowed
 *   same                        | delete  | a session                             | refused
 *   ou=self                     | search  | a user: the correlated virtual entry  | refused
 *   ou=unresolved (one level)   | search  | right `read` on ou=unresolved         | refused
 *
 * Refusals: a pending session gets ERR_MFA_REQUIRED; a DN the caller may not
 * see does not exist for them (ERR_NO_SUCH_OBJECT), as an LDAP server hides
 * what its ACLs deny; an operation the subtree does not offer is
 * ERR_UNWILLING_TO_PERFORM. A login ignores the search filter (it creates a
 * session; a filter cannot decide that after the fact).
 */
import type {
  AddRequest, CompareRequest, DeleteRequest, Directory, Entry, ExtendedRequest, ExtendedResult, ModifyDNRequest,
  ModifyRequest, OperationContext, OperationResult, SearchEvent, SearchRequest,
} from '../../directory/model.js';
import { dnEquals, parseDn, relativeRdns } from '../../directory/dn.js';
import { matches } from '../../directory/view/filter-eval.js';
import { selection } from '../../directory/view/project.js';
import { DirgateError, LDAP_RESULT } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { UnresolvedItem } from '../../directory/view/unresolved.js';
import type { MfaStore } from '../../sessions/mfa.js';
import type { SessionStore } from '../../sessions/store.js';
import type { AccessPolicy } from '../access.js';
import { mfaPending, stateOf, type CallerState, type GatewaySession } from './caller-state.js';
import type { GatewayIdentities } from './gateway-identity.js';
import type { PayloadKeys } from './payload-keys.js';
import type { SessionFlows } from './session-flows.js';
import {
  adminSessionEntry, APPLICATIONS, container, discoveryEntry, MFA, mfaEntry, ownSessionEntry, SELF, SESSIONS, SUFFIX,
  UNRESOLVED, unresolvedEntry,
} from './subtree-entries.js';
import { firstText, readEntry } from './users.js';

export interface GatewaySubtreeDeps {
  view: Directory;
  policy: AccessPolicy;
  flows: SessionFlows;
  sessions: SessionStore;
  mfa: MfaStore;
  payloadKeys: PayloadKeys;
  identities: GatewayIdentities;
  /** Base64 of the 96-byte master public key. */
  masterPublicKey(): Promise<string>;
  unresolved(): UnresolvedItem[];
  log: Logger;
}

type Target =
  | { kind: 'root' | 'applications' | 'sessions' | 'self' | 'mfa' | 'unresolved' }
  | { kind: 'application'; id: string }
  | { kind: 'session'; id: string }
  | { kind: 'unresolved-item'; cn: string };

function noSuchObject(dn: string, matchedDN = SUFFIX): DirgateError {
  return new DirgateError('ERR_NO_SUCH_OBJECT', `no such object: ${dn}`, { matchedDN });
}

function unwilling(message: string, reason: string): DirgateError {
  return new DirgateError('ERR_UNWILLING_TO_PERFORM', message, { reason });
}

function mfaRequired(): DirgateError {
  return new DirgateError('ERR_MFA_REQUIRED', 'multi-factor authentication is outstanding', { reason: 'mfa-pending' });
}

/** Which node of the subtree a DN names; ERR_NO_SUCH_OBJECT for anything else. */
export function classify(dn: string): Target {
  let rel;
  try {
    rel = relativeRdns(parseDn(dn), parseDn(SUFFIX));
  } catch {
    throw noSuchObject(dn);
  }
  const rdns = rel.map((r) => (r.length === 1 ? { type: r[0]!.type.toLowerCase(), value: r[0]!.value } : undefined)).reverse();
  if (rdns.some((r) => r === undefined)) throw noSuchObject(dn);
  const [top, second] = rdns as Array<{ type: string; value: string }>;
  if (!top) return { kind: 'root' };
  const ou = top.type === 'ou' ? top.value.toLowerCase() : '';
  if (top.type === 'ou' && rdns.length === 1 && ['applications', 'sessions', 'self', 'unresolved'].includes(ou)) {
    return { kind: ou as 'applications' | 'sessions' | 'self' | 'unresolved' };
  }
  if (rdns.length === 2 && second) {
    if (ou === 'applications' && second.type === 'cn') return { kind: 'application', id: second.value };
    if (ou === 'sessions' && second.type === 'sessionid') return { kind: 'session', id: second.value };
    if (ou === 'self' && second.type === 'cn' && second.value.toLowerCase() === 'mfa') return { kind: 'mfa' };
    if (ou === 'unresolved' && second.type === 'cn') return { kind: 'unresolved-item', cn: second.value };
  }
  throw noSuchObject(dn, rdns.length > 1 && ['applications', 'sessions', 'self', 'unresolved'].includes(ou) ? `ou=${ou},${SUFFIX}` : SUFFIX);
}

function sessionState(ctx: OperationContext): Extract<CallerState, { kind: 'session' }> | undefined {
  const s = stateOf(ctx);
  return s?.kind === 'session' ? s : undefined;
}

/** The one value of a `replace: totp` change, or a refusal. */
function totpCode(req: ModifyRequest): string {
  const [change, ...rest] = req.changes;
  if (!change || rest.length || change.operation !== 'replace' || change.attribute.type.toLowerCase() !== 'totp' || change.attribute.values.length !== 1) {
    throw unwilling('only "replace: totp" with one value is accepted here', 'modify-not-totp');
  }
  const v = change.attribute.values[0]!;
  return (typeof v === 'string' ? v : v.toString('utf8')).trim();
}

function project(entry: Entry, req: SearchRequest): Entry {
  const sel = selection(req.attributes);
  const attributes = entry.attributes
    .filter((a) => sel.allUser || sel.names.has(a.type.toLowerCase()))
    .map((a) => ({ type: a.type, values: req.typesOnly ? [] : a.values }));
  return { dn: entry.dn, attributes };
}

const OK: OperationResult = { resultCode: LDAP_RESULT.success };

export class GatewaySubtree implements Directory {
  constructor(private readonly d: GatewaySubtreeDeps) {}

  async #isAdmin(ctx: OperationContext, right: 'sessions' | 'read', dn: string): Promise<boolean> {
    const userDn = ctx.principal.dn;
    return userDn !== undefined && !mfaPending(stateOf(ctx)) && this.d.policy.allows({ dn: userDn }, { right, dn });
  }

  /** The entries a search of `req` returns, and whether the filter applies to them. */
  async #entries(req: SearchRequest, ctx: OperationContext): Promise<{ entries: Entry[]; filtered: boolean }> {
    const target = classify(req.baseDN);
    const state = stateOf(ctx);
    const own = sessionState(ctx);
    const base = req.scope === 'base';
    const pendingAllowed = target.kind === 'root' || target.kind === 'applications' || target.kind === 'application'
      || target.kind === 'mfa' || (target.kind === 'session' && own?.session.id === target.id);
    if (mfaPending(state) && !pendingAllowed) throw mfaRequired();

    switch (target.kind) {
      case 'root':
        return { entries: base ? [container(SUFFIX, 'gateway')] : [], filtered: true };
      case 'applications': {
        const app = state?.app;
        const entries = base ? [container(APPLICATIONS, 'applications')] : app ? [await this.#discovery(app.id, ctx)] : [];
        return { entries, filtered: true };
      }
      case 'application':
        return { entries: base ? [await this.#discovery(target.id, ctx)] : [], filtered: true };
      case 'sessions':
        if (base && state?.kind === 'primary') return { entries: [await this.#login(state, ctx)], filtered: false };
        if (base) return { entries: [container(SESSIONS, 'sessions')], filtered: true };
        if (!(await this.#isAdmin(ctx, 'sessions', SESSIONS))) throw new DirgateError('ERR_INSUFFICIENT_ACCESS', 'listing sessions needs the sessions right', { reason: 'access-denied' });
        return { entries: (await this.d.sessions.list()).map((s) => adminSessionEntry(s)), filtered: true };
      case 'session':
        return { entries: base ? [await this.#session(target.id, ctx)] : [], filtered: true };
      case 'self': {
        if (!base) return { entries: [], filtered: true };
        if (!ctx.principal.dn) throw noSuchObject(req.baseDN);
        const entry = await readEntry(this.d.view, ctx.principal.dn);
        if (!entry) throw noSuchObject(req.baseDN);
        if (!entry.attributes.some((a) => a.type.toLowerCase() === 'entrydn')) entry.attributes.push({ type: 'entryDN', values: [entry.dn] });
        return { entries: [entry], filtered: true };
      }
      case 'mfa': {
        if (!base) return { entries: [], filtered: true };
        const user = this.#sessionUser(ctx);
        const status = await this.d.mfa.status(user);
        if (!status) throw noSuchObject(MFA, SELF);
        return { entries: [mfaEntry(status)], filtered: true };
      }
      case 'unresolved':
      case 'unresolved-item': {
        if (!(await this.#isAdmin(ctx, 'read', UNRESOLVED))) throw noSuchObject(req.baseDN);
        const items = this.d.unresolved().map(unresolvedEntry);
        if (target.kind === 'unresolved-item') {
          const hit = items.find((e) => dnEquals(e.dn, req.baseDN));
          if (!hit) throw noSuchObject(req.baseDN, UNRESOLVED);
          return { entries: base ? [hit] : [], filtered: true };
        }
        return { entries: base ? [container(UNRESOLVED, 'unresolved')] : items, filtered: true };
      }
    }
  }

  async #discovery(appId: string, ctx: OperationContext) {
    // Each application discovers its own policy only: the registry is not a public list.
    const app = stateOf(ctx)?.app;
    if (!app || app.id !== appId) throw noSuchObject(`cn=${appId},${APPLICATIONS}`, APPLICATIONS);
    return discoveryEntry(app, await this.d.masterPublicKey(), this.d.identities.current());
  }

  async #login(state: Extract<CallerState, { kind: 'primary' }>, ctx: OperationContext): Promise<Entry> {
    const { session, token } = await this.d.flows.login(state, ctx.requestId);
    return ownSessionEntry(session, token, this.d.payloadKeys.sessionKey(session), state.user);
  }

  async #session(id: string, ctx: OperationContext): Promise<Entry> {
    const own = sessionState(ctx);
    if (own && own.session.id === id) {
      const key = this.d.payloadKeys.sessionKey(own.session);
      if (key) own.handsOutKey = true;
      const user = await readEntry(this.d.view, own.session.user, ['uid', 'cn', 'mail']);
      return ownSessionEntry(own.session, own.token, key, user);
    }
    if (await this.#isAdmin(ctx, 'sessions', SESSIONS)) {
      const session = await this.d.sessions.get(id);
      if (session) return adminSessionEntry(session as GatewaySession);
    }
    throw noSuchObject(`sessionId=${id},${SESSIONS}`, SESSIONS);
  }

  /** The user DN of a session caller (enrolment is a session's business). */
  #sessionUser(ctx: OperationContext): string {
    const own = sessionState(ctx);
    if (!own) throw new DirgateError('ERR_INSUFFICIENT_ACCESS', 'TOTP enrolment needs a session', { reason: 'session-required' });
    return own.session.user;
  }

  async *search(req: SearchRequest, ctx: OperationContext): AsyncIterable<SearchEvent> {
    const { entries, filtered } = await this.#entries(req, ctx);
    let sent = 0;
    for (const entry of entries) {
      if (filtered && !matches(req.filter, entry)) continue;
      if (req.sizeLimit > 0 && sent >= req.sizeLimit) {
        yield { kind: 'done', result: { resultCode: LDAP_RESULT.sizeLimitExceeded } };
        return;
      }
      sent++;
      yield { kind: 'entry', entry: project(entry, req) };
    }
    yield { kind: 'done', result: OK };
  }

  async add(req: AddRequest, ctx: OperationContext): Promise<OperationResult> {
    const target = classify(req.dn);
    if (target.kind !== 'mfa') throw unwilling('entries cannot be added here', 'add-not-allowed');
    const user = this.#sessionUser(ctx);
    const entry = await readEntry(this.d.view, user, ['uid']);
    await this.d.mfa.enroll(user, (entry && firstText(entry, 'uid')) ?? user);
    this.d.log.info('mfa enrolment started', { event: 'mfa-enrol', sessionId: sessionState(ctx)!.session.id });
    return OK;
  }

  async modify(req: ModifyRequest, ctx: OperationContext): Promise<OperationResult> {
    const target = classify(req.dn);
    const own = sessionState(ctx);
    if (target.kind === 'session') {
      if (!own || own.session.id !== target.id) {
        if (mfaPending(stateOf(ctx))) throw mfaRequired();
        throw noSuchObject(req.dn, SESSIONS);
      }
      await this.d.flows.answerTotp(own.session, totpCode(req), ctx.requestId);
      return OK;
    }
    if (target.kind === 'mfa') {
      const user = this.#sessionUser(ctx);
      const code = totpCode(req);
      await this.d.flows.assertNotLocked(user);
      const check = await this.d.mfa.verify(user, code);
      if (!check.ok) {
        if (check.reason === 'mfa-not-enrolled') {
          const status = await this.d.mfa.status(user);
          if (!status) throw noSuchObject(MFA, SELF);
          throw unwilling('the enrolment is already verified', 'mfa-already-verified');
        }
        await this.d.flows.recordMfaFailure(user);
        throw new DirgateError('ERR_AUTHENTICATION_FAILED', 'authentication failed', { reason: check.reason });
      }
      this.d.log.info('mfa enrolment verified', { event: 'mfa-verified', sessionId: own!.session.id });
      // Proving the new enrolment answers the session's outstanding query too.
      if (own!.session.mfa.state === 'pending') await this.d.flows.complete(own!.session, ctx.requestId);
      return OK;
    }
    if (mfaPending(stateOf(ctx))) throw mfaRequired();
    throw unwilling('this entry cannot be modified', 'modify-not-allowed');
  }

  async delete(req: DeleteRequest, ctx: OperationContext): Promise<OperationResult> {
    const target = classify(req.dn);
    const state = stateOf(ctx);
    const own = sessionState(ctx);
    if (target.kind === 'session') {
      const mine = own?.session.id === target.id;
      if (!mine && mfaPending(state)) throw mfaRequired();
      if (!mine && !(await this.#isAdmin(ctx, 'sessions', SESSIONS))) throw noSuchObject(req.dn, SESSIONS);
      const ended = await this.d.flows.logoff(target.id, mine ? 'logoff' : 'admin', ctx.requestId);
      if (!ended) throw noSuchObject(req.dn, SESSIONS);
      return OK;
    }
    if (target.kind === 'mfa') {
      const user = this.#sessionUser(ctx);
      if (mfaPending(state)) throw mfaRequired();
      if (!(await this.d.mfa.remove(user))) throw noSuchObject(MFA, SELF);
      this.d.log.info('mfa enrolment removed', { event: 'mfa-removed', sessionId: own!.session.id });
      return OK;
    }
    if (mfaPending(state)) throw mfaRequired();
    throw unwilling('this entry cannot be deleted', 'delete-not-allowed');
  }

  async modifyDN(_req: ModifyDNRequest): Promise<OperationResult> {
    throw unwilling('entries of o=gateway cannot be renamed', 'moddn-not-allowed');
  }

  async compare(_req: CompareRequest): Promise<OperationResult> {
    throw unwilling('compare is not offered under o=gateway', 'compare-not-allowed');
  }

  async extended(req: ExtendedRequest): Promise<ExtendedResult> {
    throw new DirgateError('ERR_UNSUPPORTED_OPERATION', `extended operation ${req.oid} is not supported under o=gateway`);
  }

  async bind(): Promise<string> {
    throw new DirgateError('ERR_AUTHENTICATION_FAILED', 'authentication failed', { reason: 'bind-under-gateway' });
  }
}
