/**
 * The sessions area's configuration, typed as the schemas leave it (defaults
 * applied), its cross-key checks (registered with the loader when this module
 * is imported), and one factory that builds the stores, codec, JWT verifier
 * and interception scripts from it for the gateway.
 */
import { registerCrossCheck } from '../config/checks.js';
import type { Config } from '../config/types.js';
import { silentLogger, type Logger } from '../log.js';
import { ScriptRuntime, type ScriptsConfig } from '../scripts/runtime.js';
import type { IdentityKeys } from '../scripts/types.js';
import { JwtVerifier, type JwtSignerConfig } from './jwt.js';
import { LockoutStore, type LockoutSettings } from './lockout.js';
import { MfaStore } from './mfa.js';
import { OpenTokenCodec, type CipherSuite } from './opentoken.js';
import type { ProfileEntries } from './profile-entries.js';
import { Sealer } from './seal.js';
import { ssoCookieProblems, ssoPrefixProblem, type SsoCookieConfig } from './sso.js';
import { SessionStore, type SessionData } from './store.js';

export interface OpenTokenConfig {
  password?: string;
  cipherSuite: CipherSuite;
  tokenLifetimeSeconds?: number;
  renewUntilSeconds?: number;
  clockSkewSeconds: number;
  cookie: SsoCookieConfig;
  ssoTargets: string[];
}

export interface SessionsConfig {
  cacheTtlSeconds: number;
  cacheMaxEntries: number;
  revocationMaxStalenessMs: number;
  activityFraction: number;
  tokenGraceSeconds: number;
  sweepIntervalSeconds: number;
  lockout: LockoutSettings;
  mfa: { issuer: string; window: number };
  totpEnrolments: Array<{ user: string; secret: string }>;
}

export function openTokenConfig(config: Config): OpenTokenConfig {
  return config.opentoken as unknown as OpenTokenConfig;
}
export function sessionsConfig(config: Config): SessionsConfig {
  return config.sessions as unknown as SessionsConfig;
}
export function jwtSignersConfig(config: Config): JwtSignerConfig[] {
  return config.jwtSigners as unknown as JwtSignerConfig[];
}
export function scriptsConfig(config: Config): ScriptsConfig {
  return config.scripts as unknown as ScriptsConfig;
}

/** Cross-key checks of the sessions area: every problem, as `key: message`. */
export function sessionsCrossCheck(config: Config): string[] {
  const problems: string[] = [];
  const ot = openTokenConfig(config);
  const s = sessionsConfig(config);
  if (config.applications.length > 0) {
    if (!ot?.password) problems.push('opentoken.password: is required where applications are configured (or set DIRGATE_OPENTOKEN_PASSWORD)');
    if (!config.profile) problems.push('profile: is required where applications are configured (sessions live in the extended profile)');
  }
  if (s && s.cacheTtlSeconds >= s.tokenGraceSeconds) problems.push('sessions.cacheTtlSeconds: must be shorter than sessions.tokenGraceSeconds');
  ot?.ssoTargets?.forEach((t, i) => {
    const p = ssoPrefixProblem(t);
    if (p) problems.push(`opentoken.ssoTargets[${i}]: ${p}`);
  });
  if (ot?.cookie) for (const p of ssoCookieProblems(ot.cookie)) problems.push(`opentoken.cookie.${p}`);
  const signers = jwtSignersConfig(config) ?? [];
  const names = new Set<string>();
  const issuers = new Set<string>();
  signers.forEach((j, i) => {
    if (names.has(j.name)) problems.push(`jwtSigners[${i}].name: "${j.name}" is defined twice`);
    if (issuers.has(j.issuer)) problems.push(`jwtSigners[${i}].issuer: "${j.issuer}" is used by two signers`);
    names.add(j.name);
    issuers.add(j.issuer);
  });
  config.applications.forEach((app, i) => {
    const methods = (app.authMethods as string[] | undefined) ?? [];
    if (methods.includes('jwt') && signers.length === 0) problems.push(`applications[${i}].authMethods: "jwt" needs at least one entry in jwtSigners`);
  });
  return problems;
}
registerCrossCheck(sessionsCrossCheck);

export interface SessionServices {
  codec: OpenTokenCodec;
  sessions: SessionStore;
  lockout: LockoutStore;
  mfa: MfaStore;
  jwt: JwtVerifier;
  scripts: ScriptRuntime;
  /** Removes expired sessions, old revocations and spent lock-out counters; call every sweepIntervalSeconds. */
  sweep(): Promise<{ sessions: number; revocations: number; lockouts: number }>;
}

export interface SessionServicesOptions {
  /** The extended profile (ldapProfileEntries over the profile source). */
  entries: ProfileEntries;
  keys?: IdentityKeys;
  clock?: () => number;
  logger?: Logger;
}

/** Builds the sessions area from the validated configuration. Fails at start-up on any script problem. */
export async function createSessionServices(config: Config, options: SessionServicesOptions): Promise<SessionServices> {
  const ot = openTokenConfig(config);
  const s = sessionsConfig(config);
  const clock = options.clock ?? Date.now;
  const logger = options.logger ?? silentLogger();
  const password = ot.password ?? '';
  const codec = new OpenTokenCodec({ password, cipherSuite: ot.cipherSuite });
  const apps = new Map(config.applications.map((a) => [String(a.id), a]));
  const sessions = new SessionStore({
    entries: options.entries,
    codec,
    sealer: new Sealer(password, 'session-token'),
    clock,
    logger,
    settings: {
      cacheTtlMs: s.cacheTtlSeconds * 1000,
      cacheMaxEntries: s.cacheMaxEntries,
      revocationMaxStalenessMs: s.revocationMaxStalenessMs,
      activityFraction: s.activityFraction,
      tokenGraceMs: s.tokenGraceSeconds * 1000,
      clockSkewSeconds: ot.clockSkewSeconds,
      ...(ot.tokenLifetimeSeconds !== undefined ? { tokenLifetimeSeconds: ot.tokenLifetimeSeconds } : {}),
      ...(ot.renewUntilSeconds !== undefined ? { renewUntilSeconds: ot.renewUntilSeconds } : {}),
    },
    mayShare: (owner, caller) => ((apps.get(owner)?.shareSessionsWith as string[] | undefined) ?? []).includes(caller),
    ...(options.keys ? { revokeIdentity: (identity: string, _session: SessionData) => options.keys!.revoke(identity) } : {}),
  });
  await sessions.revocations.prepare();
  // Lock-out entries may be named after anything typed as a user name: keyed, and short-lived, so the key may change.
  const lockout = new LockoutStore({ entries: options.entries, nameKey: `${password}:lockout-names`, settings: s.lockout, clock });
  // MFA entries must outlive a password change, and carry the user's DN anyway: a fixed key.
  const mfa = new MfaStore({ entries: options.entries, sealer: new Sealer(password, 'mfa'), nameKey: 'dirgate-mfa-v1', issuer: s.mfa.issuer, clock, totp: { window: s.mfa.window } });
  for (const e of s.totpEnrolments) if (!(await mfa.isEnrolled(e.user))) await mfa.importEnrolment(e.user, e.secret);
  const jwt = new JwtVerifier(jwtSignersConfig(config), { clock });
  const scripts = await ScriptRuntime.load(scriptsConfig(config), { sessions, ...(options.keys ? { keys: options.keys } : {}), logger, clock });
  return {
    codec, sessions, lockout, mfa, jwt, scripts,
    async sweep() {
      const done = await sessions.sweep();
      return { ...done, lockouts: await lockout.sweep() };
    },
  };
}
