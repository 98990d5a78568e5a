import assert from 'node:assert/strict';
import type { LdapSource } from '../../../src/directory/sources/types.js';
import { ALICE, collect, openSource, rejection, searchRequest } from './source-fixture.js';
import { hangUpPeer, silentPeer, type TestPeer } from './silent-servers.js';

describe('LDAP source time limits and broken connections', () => {
  const peers: TestPeer[] = [];
  const sources: LdapSource[] = [];
  const track = <T extends TestPeer>(p: T) => { peers.push(p); return p; };
  const open = (urls: string[], extra: Parameters<typeof openSource>[0] extends infer C ? Partial<C> : never = {}) => {
    const s = openSource({ urls, timeouts: { connectMs: 300, operationMs: 300 }, ...extra });
    sources.push(s);
    return s;
  };

  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.close()));
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });

  it('gives up on a server that accepts and never answers, with a time-limit error', async () => {
    const peer = track(await silentPeer());
    const source = open([peer.url]);
    const err = await rejection(collect(source.search(searchRequest())));
    assert.equal(err.code, 'ERR_TIME_LIMIT_EXCEEDED');
    assert.equal(err.reason, 'source-timeout');
    assert.equal(source.health().urls[0]?.up, false);
  });

  it('bounds the service bind by the operation time limit too', async () => {
    const peer = track(await silentPeer());
    const source = open([peer.url], { bind: { dn: 'cn=admin,dc=corp,dc=example', password: 'x' } });
    const err = await rejection(source.compare({ dn: ALICE, attribute: 'uid', value: 'alice', controls: [] }));
    assert.equal(err.code, 'ERR_TIME_LIMIT_EXCEEDED');
  });

  it('gives up connecting when the TLS handshake never completes, as could-not-connect', async () => {
    const peer = track(await silentPeer());
    const source = open([peer.url.replace('ldap:', 'ldaps:')]);
    const err = await rejection(source.verifyPassword(ALICE, 'alice-pass'));
    assert.equal(err.code, 'ERR_COULD_NOT_CONNECT');
    assert.equal(err.reason, 'source-connect-timeout');
  });

  it('never repeats a write whose connection broke after it was sent', async () => {
    const peer = track(await hangUpPeer());
    const source = open([peer.url]);
    const err = await rejection(source.delete({ dn: ALICE, controls: [] }));
    assert.equal(err.code, 'ERR_COULD_NOT_CONNECT');
    assert.equal(err.reason, 'source-connection-lost');
    assert.equal(peer.requests, 1);
  });

  it('tries a read again on a fresh connection when the connection broke', async () => {
    const peer = track(await hangUpPeer());
    const source = open([peer.url]);
    const err = await rejection(source.compare({ dn: ALICE, attribute: 'uid', value: 'alice', controls: [] }));
    assert.equal(err.reason, 'source-connection-lost');
    assert.equal(peer.requests, 2);
    assert.equal(peer.connections, 2);
  });

  it('stops waiting when the caller aborts', async () => {
    const peer = track(await silentPeer());
    const source = open([peer.url], { timeouts: { connectMs: 300, operationMs: 60_000 } });
    const controller = new AbortController();
    const pending = rejection(collect(source.search(searchRequest(), { signal: controller.signal })));
    while (peer.requests === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    const err = await pending;
    assert.equal(err.reason, 'aborted');
  });
});
