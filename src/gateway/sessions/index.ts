/**
 * The gateway's session side, built once from the configuration: the caller
 * authenticator, the `o=gateway` subtree (discovery, login, heartbeat, MFA,
 * logoff, administration), the payload crypto, the SSO route, and a guard for
 * the virtual directory (MFA outstanding, login-only credentials, the
 * before/after operation hooks).
 *
 * Wiring, as startGateway does it:
 *
 *   const gw = await createSessionGateway(config, { log, view, profileSource, keys });
 *   const directory = new DirectoryRouter(gw.subtree, gw.guard(new AuthorizedDirectory(view, policy)), suffixes);
 *   routes: { dsml: dsmlRoute({ directory, authenticator: gw.authenticator, crypto: gw.crypto, ... }), sso: gw.ssoRoute }
 *   every sessions.sweepIntervalSeconds: gw.sweep(); at shutdown: gw.close()
 */
import type { RequestHandler } from 'express';
import type { Config } from '../../config/types.js';
import type { Directory, Entry } from '../../directory/model.js';
import type { LdapSource } from '../../directory/sources/types.js';
import type { UnresolvedItem } from '../../directory/view/unresolved.js';
import { DirgateError } from '../../errors.js';
import { ContentKeyCache, ReplayGuard } from '../../ibe/session-keys.js';
import { createIbePool, type IbePool } from '../../ibe/pool.js';
import type { KeyServerClient } from '../../keyserver/client.js';
import { keyServerSettings } from '../../keyserver/settings.js';
import type { Logger } from '../../log.js';
import { createSessionServices, openTokenConfig, type SessionServices } from '../../sessions/config.js';
import { ldapProfileEntries } from '../../sessions/profile-entries.js';
import { Sealer } from '../../sessions/seal.js';
import { AccessPolicy } from '../access.js';
import type { CallerAuthenticator, PayloadCrypto } from '../caller.js';
import { ssoRoute } from '../routes/sso.js';
import { ApplicationRegistry } from './applications.js';
import { SessionAuthenticator } from './authenticator.js';
import { GatewayIdentities } from './gateway-identity.js';
import { viewMembership } from './membership.js';
import { IbePayloadCrypto } from './payload-crypto.js';
import { PayloadKeys } from './payload-keys.js';
import { DEFAULT_CERTIFICATE_MAPPING, PrimaryLogin, type CertificateMapping } from './primary-login.js';
import { SessionFlows } from './session-flows.js';
import { GatewaySubtree } from './subtree.js';
import type { SuspendRule } from './users.js';
import { GuardedDirectory } from './view-guard.js';

export { SESSION_TOKEN_HEADER } from './authenticator.js';
export { viewMembership } from './membership.js';
export { GATEWAY_IDENTITY_APP } from './gateway-identity.js';

export interface SessionGatewayDeps {
  log: Logger;
  /** The virtual directory (not the authorized wrapper: the gateway reads users as its service identity). */
  view: Directory & { resolveUser(name: string): Promise<Entry | undefined>; checkDecoyPassword?(password: string): Promise<void>; unresolved(): unknown[] };
  /** The source holding the extended profile (`profile.source`). */
  profileSource: LdapSource;
  /** The IBE key server client (keyServerClientFromSettings). */
  keys: KeyServerClient;
  clock?: () => number;
  /** The access rules; default: `access.rules` with group membership read through the view. */
  policy?: AccessPolicy;
  /** A pairing pool to share; default: one made from `keyserver.ibe`, closed by close(). */
  pool?: IbePool;
  /** How a client certificate subject names a user (default: its UID matched against `uid`). */
  certificateLogin?: CertificateMapping;
  /** Rotation period of the gateway's own IBE identity (default one day). */
  gatewayIdentityPeriodSeconds?: number;
}

export interface SessionGateway {
  /** Everything under o=gateway. */
  subtree: Directory;
  authenticator: CallerAuthenticator;
  crypto: PayloadCrypto;
  /** GET /sso. */
  ssoRoute: RequestHandler;
  /** Wraps the (authorized) virtual directory: refuses callers that may not act on it yet, runs before/afterOperation. */
  guard(view: Directory): Directory;
  /** The sessions area (stores, codec, scripts) for the CLI and tests. */
  services: SessionServices;
  /** Removes expired sessions (revoking their keys), old revocations and spent lock-out counters. */
  sweep(): Promise<void>;
  close(): Promise<void>;
}

export async function createSessionGateway(config: Config, deps: SessionGatewayDeps): Promise<SessionGateway> {
  const { log } = deps;
  const clock = deps.clock ?? Date.now;
  if (!config.profile) throw new DirgateError('ERR_CONFIG_INVALID', 'profile: is required for sessions');
  const ot = openTokenConfig(config);
  if (!ot.password) throw new DirgateError('ERR_CONFIG_INVALID', 'opentoken.password: is required for sessions');

  const services = await createSessionServices(config, {
    entries: ldapProfileEntries(deps.profileSource, config.profile.baseDn),
    keys: deps.keys,
    clock,
    logger: log,
  });
  const applications = ApplicationRegistry.fromConfig(config);
  const settings = keyServerSettings(config);
  const ownPool = !deps.pool;
  const pool = deps.pool ?? createIbePool({ backend: settings.ibe.backend, size: settings.ibe.workers ?? 1 });
  const masterPublicKey = async () => (await deps.keys.params()).masterPublicKey;

  const payloadKeys = new PayloadKeys({
    sessions: services.sessions, ibe: pool, masterPublicKey, sealer: new Sealer(ot.password, 'payload-key'),
  });
  const identities = new GatewayIdentities({
    secret: ot.password,
    clock,
    extract: (identity, expiresAt) => deps.keys.extract(identity, expiresAt),
    ...(deps.gatewayIdentityPeriodSeconds ? { periodSeconds: deps.gatewayIdentityPeriodSeconds } : {}),
  });
  const policy = deps.policy ?? new AccessPolicy(config.access.rules, viewMembership(deps.view));
  const suffixes = config.views.map((v) => v.suffix);
  const suspendRules = ((config.spml as { targets?: SuspendRule[] }).targets ?? []).map((t) => ({ dn: t.dn, suspend: t.suspend }));

  const primary = new PrimaryLogin({
    view: deps.view,
    suffixes,
    lockout: services.lockout,
    jwt: services.jwt,
    suspendRules,
    certificate: deps.certificateLogin ?? DEFAULT_CERTIFICATE_MAPPING,
  });
  const authenticator = new SessionAuthenticator({ applications, primary, scripts: services.scripts, log });
  const flows = new SessionFlows({
    scripts: services.scripts, sessions: services.sessions, mfa: services.mfa, lockout: services.lockout, payloadKeys, log,
  });
  const subtree = new GatewaySubtree({
    view: deps.view,
    policy,
    flows,
    sessions: services.sessions,
    mfa: services.mfa,
    payloadKeys,
    identities,
    masterPublicKey: async () => (await deps.keys.params()).masterPublicKeyBase64,
    unresolved: () => deps.view.unresolved() as UnresolvedItem[],
    log,
  });
  const crypto = new IbePayloadCrypto({ identities, payloadKeys, ibe: pool, cache: new ContentKeyCache(), replay: new ReplayGuard() });
  const sso = ssoRoute({ authenticator, cookie: ot.cookie, targets: ot.ssoTargets, log, clock });

  log.info('sessions ready', { applications: applications.all().map((a) => a.id), scripts: services.scripts.modules() });
  return {
    subtree,
    authenticator,
    crypto,
    ssoRoute: sso,
    guard: (view) => new GuardedDirectory(view, services.scripts),
    services,
    async sweep() {
      const done = await services.sweep();
      if (done.sessions || done.revocations || done.lockouts) log.info('sessions swept', { event: 'sessions-swept', ...done });
    },
    async close() {
      if (ownPool) await pool.close();
    },
  };
}
