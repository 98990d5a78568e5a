/**
 * Assembles the mobile gateway from its parts and starts it listening:
 *
 *   sources (ldapts) -> virtual directory -> access rules -> router (o=gateway | view)
 *                                                               |
 *   key server client -> sessions, MFA, payload encryption -----/
 *
 * and the HTTP surface of src/gateway/app.ts on top. Nothing here knows XML or LDAP.
 */
import http from 'node:http';
import type { Config } from '../config/types.js';
import { createVirtualDirectory, type VirtualDirectory } from '../directory/index.js';
import { pagingKeyFromSecret } from '../directory/view/paging.js';
import { createLdapSource } from '../directory/sources/index.js';
import type { LdapSource } from '../directory/sources/types.js';
import { DsmlSessionStore, dsmlConfig } from '../dsml/index.js';
import type { KeyServerClient } from '../keyserver/client.js';
import { keyServerClientFromSettings } from '../keyserver/wiring.js';
import type { Logger } from '../log.js';
import { DirgateError } from '../errors.js';
import { createSpmlRuntime, spmlConfigWithDefaults } from '../spml/index.js';
import { closeServer, listen } from '../util/listen.js';
import { AccessPolicy } from './access.js';
import { createGatewayApp } from './app.js';
import { AuthorizedDirectory } from './authorized-directory.js';
import { ApplicationScopedDirectory, applicationAccess } from './application-scope.js';
import { DirectoryRouter } from './directory-router.js';
import { proxiedAuthorization } from './proxied-authorization.js';
import { hopAuth } from './hop-auth.js';
import { dsmlRoute } from './routes/dsml.js';
import { spmlRoute } from './routes/spml.js';
import { createSessionGateway } from './sessions/index.js';
import { viewMembership } from './sessions/membership.js';

export interface GatewayOptions {
  log: Logger;
  /** What a source URL `embedded` means (the in-process directory's address). */
  embeddedUrl?: string;
  /** Refuse requests the firewall did not sign (default true; tests of the gateway alone may turn it off). */
  requireHop?: boolean;
  /** Base URL of the key server (default: keyserver.host/port from the configuration). */
  keyserverUrl?: string;
  clock?: () => number;
  /** Run the view's change poller and reconciliation timers (default true; tests drive them by hand). */
  background?: boolean;
}

export interface RunningGateway {
  url: string;
  port: number;
  view: VirtualDirectory;
  keys: KeyServerClient;
  /** Ends expired sessions now (what the timer does every sessions.sweepIntervalSeconds). */
  sweep(): Promise<void>;
  close(): Promise<void>;
}

export async function startGateway(config: Config, options: GatewayOptions): Promise<RunningGateway> {
  const { log } = options;
  const sources = new Map<string, LdapSource>(
    config.sources.map((s) => [s.name, createLdapSource(s, { log, embeddedUrl: options.embeddedUrl })]),
  );
  const view = createVirtualDirectory(config, {
    log, sources, background: options.background,
    ...(config.gateway.pagingSecret ? { pagingKey: pagingKeyFromSecret(config.gateway.pagingSecret) } : {}),
  });
  const keys = await keyServerClientFromSettings(config, options.keyserverUrl);
  const profileSource = config.profile ? sources.get(config.profile.source) : undefined;
  // Sessions, MFA enrolments and lock-out counters live in the extended profile; without one there is nowhere shared to keep them.
  if (!profileSource) throw new DirgateError('ERR_CONFIG_INVALID', 'profile: the gateway needs an extended profile (profile.source and profile.baseDn) for its sessions');
  const policy = new AccessPolicy(config.access.rules, viewMembership(view));
  const sessions = await createSessionGateway(config, { log, view, profileSource, keys, clock: options.clock, policy });
  const namingContexts = config.views.map((v) => v.suffix);
  // The guard runs the before/after-operation hooks and refuses callers without a user (MFA pending, login-only credentials).
  const guardedView = sessions.guard(new AuthorizedDirectory(view, policy));
  const directory = new DirectoryRouter(sessions.subtree, new ApplicationScopedDirectory(guardedView, applicationAccess(config.applications)), namingContexts);
  const dsml = dsmlConfig(config.dsml);
  const dsmlSessions = new DsmlSessionStore({ ...dsml.sessions, now: options.clock });
  const applications = new Map(config.applications.map((a) => [String(a.id), a as { access?: { operations?: string[] } }]));

  const app = createGatewayApp({
    log,
    bodyLimit: dsml.limits.bodyBytes,
    hopAuth: options.requireHop === false ? undefined : hopAuth({ secret: config.gateway.hopSecret ?? '', log, maxBodyBytes: dsml.limits.bodyBytes }),
    readiness: [
      ...[...sources.values()].map((s) => ({ name: `source:${s.name}`, check: async () => { if (!(await s.probe()).up) throw Object.assign(new Error('down'), { reason: 'source-unreachable' }); } })),
      { name: 'keyserver', check: async () => { if (!(await keys.healthy())) throw Object.assign(new Error('down'), { reason: 'keyserver-unreachable' }); } },
    ],
    routes: {
      dsml: dsmlRoute({
        directory, authenticator: sessions.authenticator, crypto: sessions.crypto, sessions: dsmlSessions, config: dsml, log,
        resolveAuthRequest: proxiedAuthorization(view, policy),
      }),
      spml: spmlRoute({
        directory: guardedView, authenticator: sessions.authenticator, crypto: sessions.crypto,
        runtime: createSpmlRuntime(spmlConfigWithDefaults(config.spml)), policy, log, applications,
      }),
      sso: sessions.ssoRoute,
    },
  });
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  const port = await listen(server, config.gateway.port, config.gateway.host, 'gateway');
  const sweepSeconds = Number((config.sessions as { sweepIntervalSeconds?: number }).sweepIntervalSeconds ?? 60);
  const sweep = setInterval(() => {
    sessions.sweep().catch((err: unknown) => log.warn('session sweep failed', { error: (err as Error).message }));
  }, sweepSeconds * 1000);
  sweep.unref();
  log.info('gateway listening', { port });
  return {
    url: `http://${config.gateway.host}:${port}`,
    port,
    view,
    keys,
    sweep: () => sessions.sweep(),
    async close() {
      clearInterval(sweep);
      await closeServer(server);
      await sessions.close();
      await keys.close();
      await view.close();
      await Promise.all([...sources.values()].map((s) => s.close()));
    },
  };
}
