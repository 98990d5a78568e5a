import assert from 'node:assert/strict';
import type { Config } from '../../../src/config/types.js';
import { createSessionServices, sessionsCrossCheck } from '../../../src/sessions/config.js';
import { totpCodeAt } from '../../../src/sessions/totp.js';
import { startEmbeddedProfile, type EmbeddedProfile } from '../../helpers/embedded-profile.js';

// The sections as the schemas leave them after defaults.
function config(overrides: Partial<Record<'opentoken' | 'sessions' | 'jwtSigners' | 'applications' | 'scripts' | 'profile', unknown>> = {}): Config {
  return {
    dataDir: '/tmp', log: { level: 'info' }, sources: [], views: [], cache: {} as Config['cache'], gateway: { host: '127.0.0.1', port: 0 },
    firewall: { host: '127.0.0.1', port: 0, tls: {} }, keyserver: { host: '127.0.0.1', port: 0 }, dsml: {}, spml: {},
    profile: { source: 'corp', baseDn: 'ou=dirgate,dc=corp,dc=example' },
    applications: [{ id: 'mobile-demo', authMethods: ['password'], shareSessionsWith: ['web-portal'] }, { id: 'web-portal', authMethods: ['password'] }],
    opentoken: { password: 'demo-opentoken-password', cipherSuite: 2, clockSkewSeconds: 30, cookie: { name: 'opentoken', path: '/', secure: true, httpOnly: true, sameSite: 'Lax' }, ssoTargets: ['https://portal.example.com/'] },
    sessions: {
      cacheTtlSeconds: 5, cacheMaxEntries: 1000, revocationMaxStalenessMs: 0, activityFraction: 0.1, tokenGraceSeconds: 60, sweepIntervalSeconds: 60,
      lockout: { threshold: 5, windowSeconds: 900, durationSeconds: 900 }, mfa: { issuer: 'dirgate', window: 1 },
      totpEnrolments: [{ user: 'uid=bob,ou=people,o=example', secret: 'JBSWY3DPEHPK3PXP' }],
    },
    jwtSigners: [], scripts: { timeoutMs: 2000 },
    ...overrides,
  } as unknown as Config;
}

describe('sessions configuration', () => {
  let directory: EmbeddedProfile;
  before(async () => { directory = await startEmbeddedProfile(); });
  after(async () => { await directory?.close(); });

  it('passes the demo values', () => {
    assert.deepEqual(sessionsCrossCheck(config()), []);
  });

  it('reports every cross-key problem at once', () => {
    const c = config({
      opentoken: { cipherSuite: 2, clockSkewSeconds: 30, cookie: { name: 'opentoken', path: '/', secure: false, httpOnly: true, sameSite: 'None' }, ssoTargets: ['https://portal.example.com'] },
      profile: undefined,
      applications: [{ id: 'a', authMethods: ['jwt'] }],
      sessions: { ...(config().sessions as object), cacheTtlSeconds: 60 },
    });
    assert.deepEqual(sessionsCrossCheck(c), [
      'opentoken.password: is required where applications are configured (or set DIRGATE_OPENTOKEN_PASSWORD)',
      'profile: is required where applications are configured (sessions live in the extended profile)',
      'sessions.cacheTtlSeconds: must be shorter than sessions.tokenGraceSeconds',
      'opentoken.ssoTargets[0]: must be written in normal form: https://portal.example.com/',
      'opentoken.cookie.sameSite: "None" needs secure: true (browsers drop it otherwise)',
      'applications[0].authMethods: "jwt" needs at least one entry in jwtSigners',
    ]);
  });

  it('builds the stores and scripts from configuration, imports bob\'s enrolment and shares sessions as configured', async () => {
    const now = Date.UTC(2030, 0, 1, 9);
    const services = await createSessionServices(config(), { entries: directory.entries(), clock: () => now });
    assert.deepEqual(await services.mfa.check('uid=bob,ou=people,o=example', totpCodeAt('JBSWY3DPEHPK3PXP', now)), { ok: true, method: 'totp' });
    const { session, token } = await services.sessions.create({ user: 'uid=bob,ou=people,o=example', app: 'mobile-demo', idleTimeout: 900, maxLifetime: 28800, mfaRequired: false });
    await services.sessions.validate({ sessionId: session.id, token, app: 'web-portal' });
    await assert.rejects(services.sessions.validate({ sessionId: session.id, token, app: 'mobile-secure' }), { reason: 'app-may-not-share' });
    assert.deepEqual(await services.sweep(), { sessions: 0, revocations: 0, lockouts: 0 });
  });
});
