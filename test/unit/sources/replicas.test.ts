import assert from 'node:assert/strict';
import { Replicas } from '../../../src/directory/sources/replicas.js';

describe('replica health and back-off', () => {
  let now = 1_000;
  const clock = () => now;
  const replicas = () => new Replicas(['ldap://a', 'ldap://b', 'ldap://c'], { backoffMs: 100, maxBackoffMs: 350 }, clock);

  beforeEach(() => { now = 1_000; });

  it('tries URLs in configured order while all are healthy, and counts them up before any attempt', () => {
    const r = replicas();
    assert.deepEqual(r.order(), ['ldap://a', 'ldap://b', 'ldap://c']);
    assert.equal(r.health('corp').up, true);
  });

  it('puts a failed URL after the healthy ones until its back-off ends', () => {
    const r = replicas();
    assert.equal(r.markDown('ldap://a', 'source-unreachable'), 1_100);
    assert.deepEqual(r.order(), ['ldap://b', 'ldap://c', 'ldap://a']);
    assert.equal(r.preferred(), 'ldap://b');
    now = 1_100;
    assert.deepEqual(r.order(), ['ldap://a', 'ldap://b', 'ldap://c']);
  });

  it('doubles the back-off on each failure up to the maximum, and forgets it on success', () => {
    const r = replicas();
    const waits = [1, 2, 3, 4].map(() => r.markDown('ldap://a', 'source-timeout') - now);
    assert.deepEqual(waits, [100, 200, 350, 350]);
    r.markUp('ldap://a');
    assert.equal(r.markDown('ldap://a', 'source-timeout') - now, 100);
  });

  it('keeps URLs that are all in back-off in the order their back-off ends', () => {
    const r = replicas();
    r.markDown('ldap://a', 'x');
    r.markDown('ldap://a', 'x');
    r.markDown('ldap://b', 'x');
    r.markDown('ldap://c', 'x');
    assert.deepEqual(r.order(), ['ldap://b', 'ldap://c', 'ldap://a']);
  });

  it('reports each URL, with the last error and when it is tried again', () => {
    const r = replicas();
    r.markDown('ldap://b', 'source-tls-rejected');
    assert.deepEqual(r.health('corp'), {
      name: 'corp',
      up: true,
      urls: [
        { url: 'ldap://a', up: true },
        { url: 'ldap://b', up: false, lastError: 'source-tls-rejected', retryAt: 1_100 },
        { url: 'ldap://c', up: true },
      ],
    });
    r.markDown('ldap://a', 'x');
    r.markDown('ldap://c', 'x');
    assert.equal(r.health('corp').up, false);
  });
});
