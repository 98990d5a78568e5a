import assert from 'node:assert/strict';
import { startSlapd, type Slapd } from '../../helpers/slapd.js';
import type { LdapSource } from '../../../src/directory/sources/types.js';
import { ALICE, CORP_LDIF, CORP_SUFFIX, collect, dnsOf, openSource, rejection, searchRequest, valuesOf, entriesOf } from './source-fixture.js';
import { deadUrl, refusingPeer, type TestPeer } from './silent-servers.js';

/** The replica's name, from an entry only that replica has (ou=replica-a or ou=replica-b). */
async function whichReplica(source: LdapSource): Promise<string> {
  const events = await collect(source.search(searchRequest({ baseDN: CORP_SUFFIX, scope: 'one', filter: { type: 'substrings', attribute: 'ou', initial: 'replica-', any: [] }, attributes: ['ou'] })));
  return String(valuesOf(entriesOf(events)[0], 'ou')[0]);
}

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`never happened: ${what}`);
}

describe('LDAP source fail-over between replicas', () => {
  const sources: LdapSource[] = [];
  const peers: TestPeer[] = [];
  const open = (urls: string[], bind?: { dn: string; password: string }) => {
    const s = openSource({ urls, bind, failover: { backoffMs: 100, maxBackoffMs: 400 } });
    sources.push(s);
    return s;
  };

  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.close()));
    await Promise.all(peers.splice(0).map((p) => p.close()));
  });

  describe('with two slapd replicas', () => {
    let a: Slapd;
    let b: Slapd;
    before(async () => {
      a = await startSlapd({ suffix: CORP_SUFFIX, ldif: [CORP_LDIF, `dn: ou=replica-a,${CORP_SUFFIX}\nobjectClass: organizationalUnit\nou: replica-a\n`] });
      b = await startSlapd({ suffix: CORP_SUFFIX, ldif: [CORP_LDIF, `dn: ou=replica-b,${CORP_SUFFIX}\nobjectClass: organizationalUnit\nou: replica-b\n`], rootPassword: a.rootPassword });
    });
    after(async () => {
      await a?.stop();
      await b?.stop();
    });

    it('uses the first replica, moves to the second while the first is down, and returns when it is back', async () => {
      const source = open([a.url, b.url], { dn: a.rootDn, password: a.rootPassword });
      assert.equal(await whichReplica(source), 'replica-a');
      await a.halt();
      assert.equal(await whichReplica(source), 'replica-b');
      assert.deepEqual(source.health().urls.map((u) => u.up), [false, true]);
      await a.restart();
      // Once its back-off has run out, new connections go to the first replica again.
      await eventually(async () => (await whichReplica(source)) === 'replica-a', 'the source went back to replica a');
      assert.deepEqual(source.health().urls.map((u) => u.up), [true, true]);
    });

    it('probes every replica and reports each one\'s health', async () => {
      const dead = await deadUrl();
      const source = open([a.url, dead, b.url], { dn: a.rootDn, password: a.rootPassword });
      const health = await source.probe();
      assert.equal(health.name, 'corp');
      assert.equal(health.up, true);
      assert.deepEqual(health.urls.map((u) => [u.up, u.lastError]), [[true, undefined], [false, 'source-unreachable'], [true, undefined]]);
    });
  });

  it('skips a URL where nothing listens and marks it down in health', async () => {
    const slapd = await startSlapd({ suffix: CORP_SUFFIX, ldif: CORP_LDIF });
    try {
      const dead = await deadUrl();
      const source = open([dead, slapd.url], { dn: slapd.rootDn, password: slapd.rootPassword });
      assert.deepEqual(dnsOf(await collect(source.search(searchRequest({ baseDN: ALICE, scope: 'base' })))), [ALICE]);
      const health = source.health();
      assert.equal(health.up, true);
      assert.deepEqual(health.urls.map((u) => [u.url, u.up, u.lastError]), [[dead, false, 'source-unreachable'], [slapd.url, true, undefined]]);
      assert.ok((health.urls[0]?.retryAt ?? 0) > 0);
    } finally {
      await slapd.stop();
    }
  });

  it('moves on from a replica that answers busy or unavailable, for reads and writes', async () => {
    const slapd = await startSlapd({ suffix: CORP_SUFFIX, ldif: CORP_LDIF });
    try {
      for (const kind of ['busy', 'unavailable'] as const) {
        const refusing = await refusingPeer(kind);
        peers.push(refusing);
        const source = open([refusing.url, slapd.url], { dn: slapd.rootDn, password: slapd.rootPassword });
        // The refusing peer accepts the bind; its search answer sends the source on.
        assert.deepEqual(dnsOf(await collect(source.search(searchRequest({ baseDN: ALICE, scope: 'base' })))), [ALICE], kind);
        assert.equal(refusing.requests, 1);
        assert.equal(source.health().urls[0]?.lastError, kind === 'busy' ? 'source-busy' : 'source-unavailable');
        // A write the replica refused was not carried out, so it may go elsewhere.
        const writer = open([refusing.url, slapd.url], { dn: slapd.rootDn, password: slapd.rootPassword });
        await writer.modify({ dn: ALICE, changes: [{ operation: 'replace', attribute: { type: 'title', values: [kind] } }], controls: [] });
        assert.equal(refusing.requests, 2);
        const [alice] = entriesOf(await collect(source.search(searchRequest({ baseDN: ALICE, scope: 'base', attributes: ['title'] }))));
        assert.deepEqual(valuesOf(alice, 'title'), [kind]);
      }
    } finally {
      await slapd.stop();
    }
  });

  it('answers could-not-connect while the only server is down, and works again once it is back', async () => {
    const slapd = await startSlapd({ suffix: CORP_SUFFIX, ldif: CORP_LDIF });
    try {
      const source = open([slapd.url], { dn: slapd.rootDn, password: slapd.rootPassword });
      const read = () => collect(source.search(searchRequest({ baseDN: ALICE, scope: 'base' })));
      assert.deepEqual(dnsOf(await read()), [ALICE]);
      await slapd.halt();
      const down = await rejection(read());
      assert.equal(down.code, 'ERR_COULD_NOT_CONNECT');
      assert.equal(down.reason, 'source-unreachable');
      assert.equal(down.spec.dsml, 'couldNotConnect');
      const writeDown = await rejection(source.modify({ dn: ALICE, changes: [{ operation: 'replace', attribute: { type: 'title', values: ['x'] } }], controls: [] }));
      assert.equal(writeDown.code, 'ERR_COULD_NOT_CONNECT');
      assert.equal(source.health().up, false);
      assert.equal((await source.probe()).up, false);
      await slapd.restart();
      // The only replica is tried even during its back-off: there is nothing better to do.
      assert.deepEqual(dnsOf(await read()), [ALICE]);
      assert.equal(source.health().up, true);
    } finally {
      await slapd.stop();
    }
  });
});
