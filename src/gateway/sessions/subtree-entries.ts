/**
 * The entries of the `o=gateway` subtree, as DESIGN section 3 names their
 * attributes. Times are LDAP GeneralizedTime (UTC), durations seconds.
 * Nothing secret appears in an entry unless the caller is the session it
 * belongs to (token, key) or the user it belongs to (enrolment).
 */
import { createHash } from 'node:crypto';
import type { Attribute, Entry, Value } from '../../directory/model.js';
import { rdn } from '../../directory/dn.js';
import { IBE_SUITE } from '../../ibe/constants.js';
import type { UnresolvedItem } from '../../directory/view/unresolved.js';
import type { MfaStatus } from '../../sessions/mfa.js';
import type { Application } from './applications.js';
import type { GatewaySession } from './caller-state.js';
import { firstText } from './users.js';

export const SUFFIX = 'o=gateway';
export const APPLICATIONS = `ou=applications,${SUFFIX}`;
export const SESSIONS = `ou=sessions,${SUFFIX}`;
export const SELF = `ou=self,${SUFFIX}`;
export const MFA = `cn=mfa,${SELF}`;
export const UNRESOLVED = `ou=unresolved,${SUFFIX}`;

/** `20300101090000Z` */
export function generalizedTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace(/[-:T]/g, '')}Z`;
}

function attrs(values: Record<string, Value | Value[] | undefined>): Attribute[] {
  const out: Attribute[] = [];
  for (const [type, v] of Object.entries(values)) {
    if (v === undefined) continue;
    const list = Array.isArray(v) ? v : [v];
    if (list.length) out.push({ type, values: list });
  }
  return out;
}

export function container(dn: string, ou: string): Entry {
  return { dn, attributes: attrs({ objectClass: ['top', ou === 'gateway' ? 'organization' : 'organizationalUnit'], [ou === 'gateway' ? 'o' : 'ou']: ou }) };
}

export function applicationDn(appId: string): string {
  return `${rdn('cn', appId)},${APPLICATIONS}`;
}

export function sessionDn(sessionId: string): string {
  return `${rdn('sessionId', sessionId)},${SESSIONS}`;
}

export function discoveryEntry(app: Application, masterPublicKey: string, gatewayIdentity: string): Entry {
  return {
    dn: applicationDn(app.id),
    attributes: attrs({
      objectClass: ['top', 'dirgateApplication'],
      cn: app.id,
      authMethod: app.authMethods,
      mfa: app.mfa,
      sessionIdleTimeout: String(app.sessionIdleTimeout),
      sessionMaxLifetime: String(app.sessionMaxLifetime),
      ibeMasterPublicKey: masterPublicKey,
      ibeSuite: IBE_SUITE,
      gatewayIdentity,
    }),
  };
}

/** The session as its own holder sees it: at login and on a heartbeat. */
export function ownSessionEntry(session: GatewaySession, token: string, sessionKey: string | undefined, user: Entry | undefined): Entry {
  const pending = session.mfa.state === 'pending' ? session.mfa.authQueries : undefined;
  return {
    dn: sessionDn(session.id),
    attributes: attrs({
      objectClass: ['top', 'dirgateSession'],
      sessionId: session.id,
      sessionToken: token,
      sessionKey: pending ? undefined : sessionKey,
      ibeIdentity: pending ? undefined : session.payload?.identity,
      expiresAt: generalizedTime(session.expiresAt),
      idleTimeout: String(session.idleTimeout),
      authQueries: pending?.map((q) => JSON.stringify(q)),
      uid: user ? firstText(user, 'uid') : undefined,
      cn: user ? firstText(user, 'cn') : undefined,
      mail: user ? firstText(user, 'mail') : undefined,
      entryDN: session.user,
    }),
  };
}

/** The session as an administrator sees it: who, which applications, when; never its token or key. */
export function adminSessionEntry(session: GatewaySession): Entry {
  return {
    dn: sessionDn(session.id),
    attributes: attrs({
      objectClass: ['top', 'dirgateSession'],
      sessionId: session.id,
      sessionUser: session.user,
      sessionApp: session.app,
      sessionApps: session.apps,
      createdAt: generalizedTime(session.createdAt),
      lastActivity: generalizedTime(session.lastActivity),
      expiresAt: generalizedTime(session.expiresAt),
      idleTimeout: String(session.idleTimeout),
      mfa: session.mfa.state,
    }),
  };
}

export function mfaEntry(status: MfaStatus): Entry {
  return {
    dn: MFA,
    attributes: attrs({
      objectClass: ['top', 'dirgateMfaEnrolment'],
      cn: 'mfa',
      isVerified: status.isVerified ? 'TRUE' : 'FALSE',
      otpauthUri: status.isVerified ? undefined : status.otpauthUri,
      recoveryCodes: status.isVerified ? undefined : status.recoveryCodes,
    }),
  };
}

export function unresolvedEntry(item: UnresolvedItem): Entry {
  const id = createHash('sha256')
    .update([item.reason, item.view, item.branch, item.source, item.sourceDn.toLowerCase(), item.otherSource ?? ''].join('\0'))
    .digest('hex').slice(0, 24);
  return {
    dn: `${rdn('cn', id)},${UNRESOLVED}`,
    attributes: attrs({
      objectClass: ['top', 'dirgateUnresolved'],
      cn: id,
      reason: item.reason,
      view: item.view,
      branch: item.branch,
      source: item.source,
      sourceDN: item.sourceDn,
      correlationValue: item.correlationValue,
      virtualDN: item.virtualDn,
      otherSource: item.otherSource,
      candidate: item.candidates,
      since: item.since,
    }),
  };
}
