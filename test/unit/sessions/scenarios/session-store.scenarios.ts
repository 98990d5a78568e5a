/**
 * Session-store scenarios, run by the unit tests over the embedded directory
 * and by the integration tests over real slapd (with dirgate's schema
 * enforced): the same behaviour must hold on both. Time is a variable the scenarios move; nothing sleeps.
 */
import assert from 'node:assert/strict';
import { DirgateError } from '../../../../src/errors.js';
import { OpenTokenCodec } from '../../../../src/sessions/opentoken.js';
import type { ProfileEntries } from '../../../../src/sessions/profile-entries.js';
import { LockoutStore } from '../../../../src/sessions/lockout.js';
import { MfaStore } from '../../../../src/sessions/mfa.js';
import { Sealer } from '../../../../src/sessions/seal.js';
import { SessionStore, sessionIbeIdentity, type SessionData, type SessionSettings } from '../../../../src/sessions/store.js';
import { totpCodeAt } from '../../../../src/sessions/totp.js';

const PASSWORD = 'demo-opentoken-password';
const BOB = 'uid=bob,ou=people,o=example';
const ALICE = 'uid=alice,ou=people,o=example';

/** Counts the writes, and the reads of single entries, that reach the profile. */
export function countingEntries(inner: ProfileEntries): ProfileEntries & { writes: () => number; reads: () => number } {
  let writes = 0;
  let reads = 0;
  return {
    baseDn: inner.baseDn,
    writes: () => writes,
    reads: () => reads,
    get: (dn) => { reads++; return inner.get(dn); },
    list: (p, f) => inner.list(p, f),
    add: (dn, a) => { writes++; return inner.add(dn, a); },
    modify: (dn, c) => { writes++; return inner.modify(dn, c); },
    delete: (dn) => { writes++; return inner.delete(dn); },
  };
}

export interface Harness {
  now: number;
  entries: ProfileEntries & { writes: () => number; reads: () => number };
  revoked: string[];
  /** A gateway process over the shared profile. */
  process(settings?: Partial<SessionSettings>): SessionStore;
}

function harness(entries: ProfileEntries): Harness {
  const h: Harness = {
    now: Date.UTC(2030, 0, 1, 9, 0, 0),
    entries: countingEntries(entries),
    revoked: [],
    process(settings) {
      return new SessionStore({
        entries: h.entries,
        codec: new OpenTokenCodec({ password: PASSWORD }),
        sealer: new Sealer(PASSWORD, 'session-token'),
        clock: () => h.now,
        settings,
        mayShare: (owner, caller) => owner === 'mobile-demo' && caller === 'web-portal',
        revokeIdentity: async (identity) => { h.revoked.push(identity); },
      });
    },
  };
  return h;
}

function refused(reason: string, code = 'ERR_AUTHENTICATION_FAILED') {
  return (err: unknown) => {
    assert.ok(err instanceof DirgateError, String(err));
    assert.equal(err.code, code);
    assert.equal(err.reason, reason);
    assert.equal(err.publicMessage, code === 'ERR_MFA_REQUIRED' ? err.message : 'authentication failed');
    return true;
  };
}

const demo = { app: 'mobile-demo', idleTimeout: 900, maxLifetime: 28800, mfaRequired: false };

export function sessionStoreScenarios(makeEntries: () => Promise<ProfileEntries>): void {
  let h: Harness;
  beforeEach(async () => {
    h = harness(await makeEntries());
  });

  it('keeps a session in the profile, so another process (or a restart) accepts its token', async () => {
    const { session, token } = await h.process().create({ user: BOB, ...demo });
    assert.match(session.id, /^[A-Za-z0-9_-]{24}$/);
    const other = h.process();
    const ok = await other.validate({ sessionId: session.id, token, app: 'mobile-demo' });
    assert.equal(ok.session.user, BOB);
    assert.equal(ok.renewedToken, undefined);
    assert.deepEqual((await other.listByUser(BOB)).map((s) => s.id), [session.id]);
  });

  it('refuses a logoff made on another process at once, even with a warm cache there', async () => {
    const a = h.process();
    const b = h.process();
    const { session, token } = await a.create({ user: BOB, ...demo });
    await b.validate({ sessionId: session.id, token, app: 'mobile-demo' });
    assert.equal(await a.end(session.id), true);
    await assert.rejects(b.validate({ sessionId: session.id, token, app: 'mobile-demo' }), refused('session-unknown'));
    await assert.rejects(a.validate({ sessionId: session.id, token, app: 'mobile-demo' }), refused('session-unknown'));
  });

  it('ends a session idle past its timeout, and removes it from the profile', async () => {
    const store = h.process();
    const { session, token } = await store.create({ user: BOB, ...demo });
    h.now += 899_000;
    const current = (await store.validate({ sessionId: session.id, token, app: 'mobile-demo' })).renewedToken ?? token;
    h.now += 900_000;
    await assert.rejects(store.validate({ sessionId: session.id, token: current, app: 'mobile-demo' }), refused('session-idle'));
    assert.equal(await h.process().get(session.id), undefined);
  });

  it('records activity at most once per tenth of the idle timeout, not once per request', async () => {
    const store = h.process();
    const { session, token } = await store.create({ user: BOB, ...demo });
    const before = h.entries.writes();
    for (let i = 0; i < 50; i++) {
      h.now += 1000; // 50 requests over 50 s; a tenth of 900 s is 90 s
      await store.validate({ sessionId: session.id, token, app: 'mobile-demo' });
    }
    assert.equal(h.entries.writes(), before);
    h.now += 40_000;
    await store.validate({ sessionId: session.id, token, app: 'mobile-demo' });
    assert.equal(h.entries.writes(), before + 1);
    assert.equal((await store.get(session.id))!.lastActivity, h.now);
  });

  it('renews the token before it expires, keeps the previous one for 60 s, then refuses it', async () => {
    const a = h.process();
    const b = h.process();
    const { session, token } = await a.create({ user: BOB, ...demo });
    await b.validate({ sessionId: session.id, token, app: 'mobile-demo' }); // b caches the first token
    h.now += 451_000; // past half the token's 900 s lifetime
    const renewed = await a.validate({ sessionId: session.id, token, app: 'mobile-demo' });
    assert.ok(renewed.renewedToken);
    assert.notEqual(renewed.renewedToken, token);
    // b's cached copy knows only the old token: it must look again, not refuse.
    const onB = await b.validate({ sessionId: session.id, token: renewed.renewedToken, app: 'mobile-demo' });
    assert.equal(onB.renewedToken, undefined);
    // The previous token still works within the grace, and is told the new one.
    h.now += 59_000;
    const late = await b.validate({ sessionId: session.id, token, app: 'mobile-demo' });
    assert.equal(late.renewedToken, renewed.renewedToken);
    h.now += 2000;
    await assert.rejects(a.validate({ sessionId: session.id, token, app: 'mobile-demo' }), refused('token-superseded'));
    await a.validate({ sessionId: session.id, token: renewed.renewedToken, app: 'mobile-demo' });
  });

  it('hands the winner\'s token to a process that lost a race to renew', async () => {
    const a = h.process();
    const b = h.process();
    const { session, token } = await a.create({ user: BOB, ...demo });
    await b.validate({ sessionId: session.id, token, app: 'mobile-demo' });
    h.now += 451_000;
    const first = await a.validate({ sessionId: session.id, token, app: 'mobile-demo' });
    const second = await b.validate({ sessionId: session.id, token, app: 'mobile-demo' });
    assert.equal(second.renewedToken, first.renewedToken);
  });

  it('ends a session at its maximum lifetime however active it is', async () => {
    const store = h.process();
    const { session, token } = await store.create({ user: BOB, ...demo, maxLifetime: 1200 });
    let current = token;
    for (let t = 0; t < 1100; t += 100) {
      h.now += 100_000;
      current = (await store.validate({ sessionId: session.id, token: current, app: 'mobile-demo' })).renewedToken ?? current;
    }
    h.now += 100_000;
    await assert.rejects(store.validate({ sessionId: session.id, token: current, app: 'mobile-demo' }), (err: unknown) =>
      err instanceof DirgateError && ['session-expired', 'token-expired'].includes(err.reason));
    assert.equal(await store.get(session.id), undefined);
  });

  it('refuses tampered tokens, tokens of other sessions and unknown sessions with the same message', async () => {
    const store = h.process();
    const one = await store.create({ user: BOB, ...demo });
    const two = await store.create({ user: ALICE, ...demo });
    const flipped = one.token.slice(0, 40) + (one.token[40] === 'A' ? 'B' : 'A') + one.token.slice(41);
    await assert.rejects(store.validate({ sessionId: one.session.id, token: flipped, app: 'mobile-demo' }), refused('token-invalid'));
    await assert.rejects(store.validate({ sessionId: one.session.id, token: two.token, app: 'mobile-demo' }), refused('token-session-mismatch'));
    await assert.rejects(store.validate({ sessionId: 'AAAAAAAAAAAAAAAAAAAAAAAA', token: one.token, app: 'mobile-demo' }), refused('token-session-mismatch'));
    await assert.rejects(store.validate({ sessionId: 'not/an id', token: 'x', app: 'mobile-demo' }), refused('token-invalid'));
  });

  it('lets an application that may share use the session, and refuses one that may not', async () => {
    const store = h.process();
    const { session, token } = await store.create({ user: BOB, ...demo });
    const shared = await store.validate({ sessionId: session.id, token, app: 'web-portal' });
    assert.deepEqual(shared.session.apps, ['mobile-demo', 'web-portal']);
    await assert.rejects(store.validate({ sessionId: session.id, token, app: 'mobile-secure' }), refused('app-may-not-share'));
  });

  it('ends the session for every application sharing it on logoff and revokes its key once', async () => {
    const store = h.process();
    const { session, token } = await store.create({ user: BOB, ...demo });
    await store.validate({ sessionId: session.id, token, app: 'web-portal' });
    await store.setIbeIdentity(session.id, 'urn:dirgate:session:test', session.expiresAt);
    assert.equal(await store.end(session.id), true);
    assert.equal(await store.end(session.id), false);
    assert.deepEqual(h.revoked, ['urn:dirgate:session:test']);
    for (const app of ['mobile-demo', 'web-portal']) {
      await assert.rejects(store.validate({ sessionId: session.id, token, app }), refused('session-unknown'));
    }
  });

  it('allows only MFA-exempt requests while MFA is outstanding, and sees MFA completed on another process', async () => {
    const a = h.process();
    const b = h.process();
    const { session, token } = await a.create({ user: BOB, ...demo, app: 'mobile-secure', mfaRequired: true });
    assert.deepEqual(session.mfa, { state: 'pending', authQueries: [{ typeId: 'MFA', provider: 'dirgate', format: 'numeric', minLength: 6, maxLength: 6 }] });
    await assert.rejects(b.validate({ sessionId: session.id, token, app: 'mobile-secure' }), refused('mfa-pending', 'ERR_MFA_REQUIRED'));
    await b.validate({ sessionId: session.id, token, app: 'mobile-secure', allowPendingMfa: true });
    await a.completeMfa(session.id);
    const done = await b.validate({ sessionId: session.id, token, app: 'mobile-secure' });
    assert.equal(done.session.mfa.state, 'complete');
  });

  it('updates a session it just created without reading it back, and re-reads when another process wrote in between', async () => {
    const a = h.process();
    const b = h.process();
    const own = await a.create({ user: BOB, ...demo });
    const [reads, writes] = [h.entries.reads(), h.entries.writes()];
    await a.setIbeIdentity(own.session.id, 'urn:own', own.session.expiresAt);
    assert.deepEqual([h.entries.reads() - reads, h.entries.writes() - writes], [0, 1]);

    const raced = await a.create({ user: BOB, ...demo, app: 'mobile-secure', mfaRequired: true });
    await b.completeMfa(raced.session.id);
    const written = await a.setIbeIdentity(raced.session.id, 'urn:raced', raced.session.expiresAt);
    // Written over the other process's state, not over the stale copy: MFA stays complete.
    assert.equal(written?.mfa.state, 'complete');
    const stored = await h.process().get(raced.session.id);
    assert.deepEqual([stored?.mfa.state, stored?.ibe?.identity], ['complete', 'urn:raced']);
  });

  it('decides that an update has nothing to do only on a fresh copy, never on its cached one', async () => {
    const a = h.process();
    const { session } = await a.create({ user: BOB, ...demo });
    await h.process().setIbeIdentity(session.id, 'urn:elsewhere', session.expiresAt);
    // The cached copy already says complete; the answer must still carry what the other process wrote.
    const done = await a.completeMfa(session.id);
    assert.equal(done?.ibe?.identity, 'urn:elsewhere');
  });

  it('records the IBE identity with the session when asked, so ending it revokes that identity', async () => {
    const store = h.process();
    const { session } = await store.create({ user: BOB, ...demo, recordIbeIdentity: true });
    assert.deepEqual(session.ibe, { identity: sessionIbeIdentity(session), expiresAt: session.expiresAt });
    assert.deepEqual((await h.process().get(session.id))?.ibe, session.ibe);
    assert.equal(await h.process().end(session.id), true);
    assert.deepEqual(h.revoked, [sessionIbeIdentity(session)]);
  });

  it('does not update a session another process ended, even from a warm cache', async () => {
    const a = h.process();
    const { session } = await a.create({ user: BOB, ...demo });
    assert.equal(await h.process().end(session.id), true);
    assert.equal(await a.setIbeIdentity(session.id, 'urn:late', session.expiresAt), undefined);
    assert.equal(await h.process().get(session.id), undefined);
  });

  it('sweeps idle and expired sessions with their keys, and old revocations', async () => {
    const store = h.process();
    const idle = await store.create({ user: BOB, ...demo });
    const busy = await store.create({ user: ALICE, ...demo });
    await store.setIbeIdentity(idle.session.id, 'urn:idle', idle.session.expiresAt);
    h.now += 600_000;
    await store.validate({ sessionId: busy.session.id, token: busy.token, app: 'mobile-demo' });
    h.now += 301_000;
    const swept = await h.process().sweep();
    assert.equal(swept.sessions, 1);
    assert.deepEqual(h.revoked, ['urn:idle']);
    assert.deepEqual((await store.list()).map((s: SessionData) => s.id), [busy.session.id]);
    h.now += 3_600_000;
    assert.deepEqual(await h.process().sweep(), { sessions: 1, revocations: 1 });
  });
}

export function lockoutScenarios(makeEntries: () => Promise<ProfileEntries>): void {
  let now = 0;
  let entries: ProfileEntries;
  const replica = () => new LockoutStore({ entries, nameKey: 'k', clock: () => now, settings: { threshold: 3, durationSeconds: 600, windowSeconds: 300 } });
  beforeEach(async () => {
    now = Date.UTC(2030, 0, 1);
    entries = await makeEntries();
  });

  it('locks a name after the threshold of failures counted across processes, for the configured time', async () => {
    const a = replica();
    const b = replica();
    assert.equal(await a.recordFailure('Bob'), false);
    assert.equal(await b.recordFailure('bob '), false);
    await a.assertNotLocked('bob');
    assert.equal(await b.recordFailure('BOB'), true);
    for (const r of [a, b]) {
      await assert.rejects(r.assertNotLocked('bob'), (err: unknown) =>
        err instanceof DirgateError && err.code === 'ERR_ACCOUNT_LOCKED' && err.reason === 'account-locked' && err.publicMessage === 'authentication failed');
    }
    now += 600_000;
    await a.assertNotLocked('bob');
  });

  it('counts names of users that do not exist exactly like real ones', async () => {
    const a = replica();
    for (let i = 0; i < 3; i++) await a.recordFailure('nobody-by-this-name');
    await assert.rejects(a.assertNotLocked('nobody-by-this-name'), { code: 'ERR_ACCOUNT_LOCKED' });
  });

  it('forgets failures older than the window and after a success', async () => {
    const a = replica();
    await a.recordFailure('carol');
    await a.recordFailure('carol');
    now += 301_000;
    assert.equal(await a.recordFailure('carol'), false);
    await a.recordSuccess('carol');
    assert.equal(await a.recordFailure('carol'), false);
    assert.equal(await a.recordFailure('carol'), false);
    now += 1_000_000;
    assert.equal(await a.sweep(), 1);
  });
}

export function mfaScenarios(makeEntries: () => Promise<ProfileEntries>): void {
  let now = 0;
  let entries: ProfileEntries;
  const replica = () => new MfaStore({ entries, sealer: new Sealer(PASSWORD, 'mfa'), nameKey: 'k', issuer: 'dirgate demo', clock: () => now });
  beforeEach(async () => {
    now = Date.UTC(2030, 0, 1, 12, 0, 10);
    entries = await makeEntries();
  });

  it('shows the otpauth URI and recovery codes only until the enrolment is verified', async () => {
    const a = replica();
    const { otpauthUri, recoveryCodes } = await a.enroll(ALICE, 'alice');
    assert.equal(recoveryCodes.length, 10);
    const pending = await replica().status(ALICE);
    assert.deepEqual(pending, { isVerified: false, otpauthUri, recoveryCodes });
    const secret = new URL(otpauthUri).searchParams.get('secret')!;
    assert.deepEqual(await a.check(ALICE, totpCodeAt(secret, now)), { ok: false, reason: 'mfa-not-enrolled' });
    assert.deepEqual(await a.verify(ALICE, totpCodeAt(secret, now)), { ok: true, method: 'totp' });
    assert.deepEqual(await a.status(ALICE), { isVerified: true });
    await assert.rejects(a.enroll(ALICE, 'alice'), { code: 'ERR_ALREADY_EXISTS' });
  });

  it('accepts a code once across processes, and each recovery code once', async () => {
    await replica().importEnrolment(BOB, 'JBSWY3DPEHPK3PXP', 'bob');
    const a = replica();
    const b = replica();
    const code = totpCodeAt('JBSWY3DPEHPK3PXP', now);
    assert.deepEqual(await a.check(BOB, code), { ok: true, method: 'totp' });
    assert.deepEqual(await b.check(BOB, code), { ok: false, reason: 'totp-replayed' });
    assert.deepEqual(await b.check(BOB, '000000'), { ok: false, reason: code === '000000' ? 'totp-replayed' : 'totp-invalid' });
    now += 30_000;
    assert.deepEqual(await b.check(BOB, totpCodeAt('JBSWY3DPEHPK3PXP', now)), { ok: true, method: 'totp' });

    const { recoveryCodes, otpauthUri } = await a.enroll(ALICE, 'alice');
    await a.verify(ALICE, totpCodeAt(new URL(otpauthUri).searchParams.get('secret')!, now));
    assert.deepEqual(await a.check(ALICE, recoveryCodes[0]!), { ok: true, method: 'recovery-code' });
    assert.deepEqual(await b.check(ALICE, recoveryCodes[0]!), { ok: false, reason: 'totp-invalid' });
    assert.deepEqual(await b.check(ALICE, recoveryCodes[1]!.toUpperCase()), { ok: true, method: 'recovery-code' });
    assert.equal(await a.remove(ALICE), true);
    assert.equal(await a.status(ALICE), undefined);
  });
}
