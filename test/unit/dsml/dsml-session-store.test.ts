import assert from 'node:assert/strict';
import { DirgateError } from '../../../src/errors.js';
import { dsmlConfig, type DsmlSessionConfig } from '../../../src/dsml/config.js';
import { decodePaged, encodePaged } from '../../../src/directory/paged-results.js';
import { DsmlSessionStore } from '../../../src/dsml/session-store.js';

function store(overrides: Partial<DsmlSessionConfig> = {}) {
  let now = 1_000_000;
  const s = new DsmlSessionStore({ ...dsmlConfig({ sessions: overrides }).sessions, now: () => now });
  return { s, advance: (ms: number) => { now += ms; } };
}

const alice = { principal: 'app\u0000uid=alice', clientIp: '192.0.2.1' };
const bob = { principal: 'app\u0000uid=bob', clientIp: '192.0.2.1' };

const isBadSession = (e: unknown): boolean => e instanceof DirgateError && e.reason === 'dsml-session-unknown';

describe('DSML session store', () => {
  it('defaults to the limits of DSML Services for Windows: 100 sessions, 5 per caller, 600 s idle', () => {
    const c = dsmlConfig().sessions;
    assert.deepEqual([c.maxSessions, c.maxSessionsPerPrincipal, c.idleSeconds, c.matchClientIp], [100, 5, 600, true]);
  });

  it('keeps a session alive while it is used and drops it once idle past its time to live', () => {
    const { s, advance } = store({ idleSeconds: 60 });
    const session = s.begin(alice);
    advance(59_000);
    assert.equal(s.use(session.id, alice), session);
    advance(59_000);
    assert.equal(s.use(session.id, alice), session, 'each use restarts the idle clock');
    advance(60_000);
    assert.throws(() => s.use(session.id, alice), isBadSession);
    assert.equal(s.size, 0);
  });

  it('answers to the caller and address that began it, and looks unknown to anyone else', () => {
    const { s } = store();
    const session = s.begin(alice);
    assert.throws(() => s.use(session.id, bob), isBadSession);
    assert.throws(() => s.use(session.id, { ...alice, clientIp: '198.51.100.9' }), isBadSession);
    assert.throws(() => s.use('made-up', alice), isBadSession);
  });

  it('lets the address change when address matching is off', () => {
    const { s } = store({ matchClientIp: false });
    const session = s.begin(alice);
    assert.equal(s.use(session.id, { ...alice, clientIp: '198.51.100.9' }), session);
  });

  it('bounds sessions in total and per caller, and frees places as sessions end or expire', () => {
    const { s, advance } = store({ maxSessions: 3, maxSessionsPerPrincipal: 2, idleSeconds: 10 });
    const a1 = s.begin(alice);
    s.begin(alice);
    assert.throws(() => s.begin(alice), (e: unknown) => e instanceof DirgateError && e.reason === 'dsml-sessions-per-caller-exhausted');
    s.begin(bob);
    assert.throws(() => s.begin(bob), (e: unknown) => e instanceof DirgateError && e.reason === 'dsml-sessions-exhausted');
    s.end(a1.id);
    assert.doesNotThrow(() => s.begin(bob));
    advance(10_000);
    assert.equal(s.size, 0);
  });

  it('gives each paged-search cookie an opaque handle good for one continuation, and forgets the oldest past the bound', () => {
    const { s } = store({ maxCookiesPerSession: 2 });
    const session = s.begin(alice);
    const h1 = s.keepCookie(session, Buffer.from('one'));
    const h2 = s.keepCookie(session, Buffer.from('two'));
    const h3 = s.keepCookie(session, Buffer.from('three'));
    assert.equal(s.takeCookie(session, h1), undefined);
    assert.deepEqual(s.takeCookie(session, h2), Buffer.from('two'));
    assert.equal(s.takeCookie(session, h2), undefined);
    assert.deepEqual(s.takeCookie(session, h3), Buffer.from('three'));
  });

  it('round-trips the paged-results control value, long cookies included', () => {
    for (const [size, cookie] of [[0, Buffer.alloc(0)], [500, Buffer.from('abc')], [128, Buffer.alloc(300, 7)], [70000, Buffer.alloc(70000, 1)]] as const) {
      assert.deepEqual(decodePaged(encodePaged({ size, cookie })), { size, cookie });
    }
    assert.equal(decodePaged(Buffer.from([0x04, 0x00])), undefined);
  });
});
