import assert from 'node:assert/strict';
import { spmlOnSlapd } from './helpers/on-slapd.js';
import { attr, createHarness, find, one, psoData, statusOf, testSpmlConfig, type Harness } from './helpers/harness.js';
import { IteratorStore } from '../../../src/spml/iterators.js';

describe('SPML search capability and iterators against slapd', function () {
  this.timeout(20000);
  const ldap = spmlOnSlapd();
  let h: Harness;

  beforeEach(() => {
    h = createHarness(ldap.directory);
  });

  const uids = (res: Parameters<typeof find>[0]) => find(res, 'pso').map((p) => psoData(p).uid?.[0]).sort();

  it('finds people with a dsml:filter in a target, without returning the branch entry', async () => {
    const res = await h.call(`<spmlsearch:searchRequest requestID="s1" returnData="data">
      <spmlsearch:query targetID="people" scope="subTree">
        <dsml:filter><dsml:or>
          <dsml:substrings name="cn"><dsml:initial>Ali</dsml:initial></dsml:substrings>
          <dsml:equalityMatch name="mail"><dsml:value>BOB@example.com</dsml:value></dsml:equalityMatch>
        </dsml:or></dsml:filter>
      </spmlsearch:query>
    </spmlsearch:searchRequest>`);
    assert.equal(res.local, 'searchResponse');
    assert.equal(attr(res, 'status'), 'success', JSON.stringify(statusOf(res)));
    assert.deepEqual(uids(res), ['alice', 'bob']);
    assert.equal(find(res, 'iterator').length, 0);
    for (const p of find(res, 'pso')) assert.equal(attr(one(p, 'psoID'), 'targetID'), 'people');
  });

  it('searches every target the caller may search when the query names none', async () => {
    const res = await h.call('<spmlsearch:searchRequest returnData="identifier"/>');
    const targets = new Set(find(res, 'psoID').map((p) => attr(p, 'targetID')));
    assert.deepEqual([...targets].sort(), ['groups', 'people']);
    h.refuse.add('groups:search');
    const onlyPeople = await h.call('<spmlsearch:searchRequest returnData="identifier"/>');
    assert.deepEqual([...new Set(find(onlyPeople, 'psoID').map((p) => attr(p, 'targetID')))], ['people']);
  });

  it('honours basePsoID with oneLevel and pso scopes', async () => {
    const one_ = await h.call(`<spmlsearch:searchRequest returnData="identifier"><spmlsearch:query scope="oneLevel">
      <spmlsearch:basePsoID ID="ou=projects,ou=groups,o=example"/></spmlsearch:query></spmlsearch:searchRequest>`);
    assert.deepEqual(find(one_, 'psoID').map((p) => attr(p, 'ID')), ['ou=team,ou=projects,ou=groups,o=example']);
    const base = await h.call(`<spmlsearch:searchRequest><spmlsearch:query scope="pso">
      <spmlsearch:basePsoID ID="cn=staff,ou=groups,o=example"/></spmlsearch:query></spmlsearch:searchRequest>`);
    assert.deepEqual(psoData(one(base, 'pso')).member, ['uid=alice,ou=people,o=example', 'uid=bob,ou=people,o=example']);
  });

  it('returns only the attributes dsml:attributes asks for', async () => {
    const res = await h.call(`<spmlsearch:searchRequest><spmlsearch:query targetID="people">
      <dsml:filter><dsml:equalityMatch name="uid"><dsml:value>alice</dsml:value></dsml:equalityMatch></dsml:filter>
      <dsml:attributes><dsml:attribute name="mail"/></dsml:attributes>
    </spmlsearch:query></spmlsearch:searchRequest>`);
    assert.deepEqual(psoData(one(res, 'pso')), { mail: ['alice@example.com'] });
  });

  it('pages with maxSelect, iterates to the end and then forgets the iterator', async () => {
    const first = await h.call(`<spmlsearch:searchRequest maxSelect="2" returnData="data"><spmlsearch:query targetID="people">
      <dsml:filter><dsml:present name="uid"/></dsml:filter></spmlsearch:query></spmlsearch:searchRequest>`);
    assert.equal(find(first, 'pso').length, 2);
    const iteratorID = attr(one(first, 'iterator'), 'ID')!;
    assert.match(iteratorID, /^it[A-Za-z0-9_-]+$/);
    const second = await h.call(`<spmlsearch:iterateRequest><spmlsearch:iterator ID="${iteratorID}"/></spmlsearch:iterateRequest>`);
    assert.equal(second.local, 'iterateResponse');
    assert.equal(find(second, 'pso').length, 1);
    assert.equal(find(second, 'iterator').length, 0, 'the last page carries no iterator');
    assert.deepEqual([...uids(first), ...uids(second)].sort(), ['alice', 'bob', 'carol']);
    const gone = await h.call(`<spmlsearch:iterateRequest><spmlsearch:iterator ID="${iteratorID}"/></spmlsearch:iterateRequest>`);
    assert.deepEqual([attr(gone, 'status'), attr(gone, 'error')], ['failure', 'invalidIdentifier']);
  });

  it('binds iterators to the session that opened them, and closes them', async () => {
    const search = `<spmlsearch:searchRequest maxSelect="1" returnData="identifier"><spmlsearch:query targetID="people"/></spmlsearch:searchRequest>`;
    const first = await h.call(search, { sessionId: 'session-a' });
    const id = attr(one(first, 'iterator'), 'ID')!;
    const stranger = await h.call(`<spmlsearch:iterateRequest><spmlsearch:iterator ID="${id}"/></spmlsearch:iterateRequest>`, { sessionId: 'session-b' });
    assert.equal(attr(stranger, 'error'), 'invalidIdentifier');
    const closed = await h.call(`<spmlsearch:closeIteratorRequest><spmlsearch:iterator ID="${id}"/></spmlsearch:closeIteratorRequest>`, { sessionId: 'session-a' });
    assert.equal(closed.local, 'closeIteratorResponse');
    assert.equal(attr(closed, 'status'), 'success');
    const after = await h.call(`<spmlsearch:iterateRequest><spmlsearch:iterator ID="${id}"/></spmlsearch:iterateRequest>`, { sessionId: 'session-a' });
    assert.equal(attr(after, 'error'), 'invalidIdentifier');
  });

  it('answers resultSetToLarge (the schema spelling) past maxResults', async () => {
    const small = createHarness(ldap.directory, testSpmlConfig({ search: { defaultMaxSelect: 100, maxSelect: 1000, maxResults: 2, iteratorTtlSeconds: 300, maxIterators: 10 } }));
    const res = await small.call('<spmlsearch:searchRequest><spmlsearch:query targetID="people"/></spmlsearch:searchRequest>');
    assert.deepEqual([attr(res, 'status'), attr(res, 'error')], ['failure', 'resultSetToLarge']);
  });

  it('refuses XPath selections and answers malformedRequest for a broken filter', async () => {
    const xpath = await h.call(`<spmlsearch:searchRequest><spmlsearch:query targetID="people">
      <spml:select path="/uid" namespaceURI="urn:x"/></spmlsearch:query></spmlsearch:searchRequest>`);
    assert.equal(attr(xpath, 'error'), 'unsupportedOperation');
    const broken = await h.call(`<spmlsearch:searchRequest><spmlsearch:query targetID="people">
      <dsml:filter><dsml:equalityMatch name="uid"/></dsml:filter></spmlsearch:query></spmlsearch:searchRequest>`);
    assert.equal(attr(broken, 'error'), 'malformedRequest');
  });
});

describe('the iterator store', () => {
  it('forgets an iterator left unused for its TTL, and keeps one in use', () => {
    let now = 1_000_000;
    const store = new IteratorStore({ maxIterators: 10, ttlMs: 1000, now: () => now });
    const pso = (id: string) => ({ id, targetID: 't' });
    const idle = store.open('me', [pso('a'), pso('b')], 1);
    const busy = store.open('me', [pso('c'), pso('d'), pso('e')], 1);
    now += 600;
    assert.deepEqual(store.next('me', busy)?.psos.map((p) => p.id), ['c']);
    now += 600;
    assert.equal(store.next('me', idle), undefined, 'idle for 1200 ms');
    assert.deepEqual(store.next('me', busy)?.psos.map((p) => p.id), ['d']);
  });

  it('keeps at most maxIterators, dropping the least recently used', () => {
    const store = new IteratorStore({ maxIterators: 2, ttlMs: 60_000 });
    const a = store.open('me', [{ id: '1', targetID: 't' }], 1);
    store.open('me', [{ id: '2', targetID: 't' }], 1);
    store.open('me', [{ id: '3', targetID: 't' }], 1);
    assert.equal(store.size, 2);
    assert.equal(store.next('me', a), undefined);
  });
});
