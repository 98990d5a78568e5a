import assert from 'node:assert/strict';
import type { Directory, Entry, OperationContext, SearchEvent } from '../../../src/directory/model.js';
import { dsmlConfig, type DsmlConfigInput } from '../../../src/dsml/config.js';
import { collectBody, handleDsmlRequest, handleDsmlRequestStream, type DsmlDeps } from '../../../src/dsml/handler.js';
import { decodePaged, encodePaged } from '../../../src/directory/paged-results.js';
import { DsmlSessionStore } from '../../../src/dsml/session-store.js';
import { attrOf, batch, batchResponseOf, child, names, readXml, SOAP11, soap11, soap12 } from './helpers/documents.js';
import { demoDirectory, person, MemoryDirectory } from './helpers/memory-directory.js';

const AD = 'urn:schema-microsoft-com:activedirectory:dsmlv2';
const admin: OperationContext = { requestId: 'h', principal: { dn: 'uid=admin,ou=people,o=example', appId: 'mobile-demo' } };

function deps(directory: Directory, config: DsmlConfigInput = {}, extra: Partial<DsmlDeps> = {}): DsmlDeps {
  const c = dsmlConfig(config);
  return { directory, ctx: admin, config: c, sessions: new DsmlSessionStore(c.sessions), ...extra };
}

const post = (xml: string, d: DsmlDeps, meta = {}) => handleDsmlRequest(Buffer.from(xml, 'utf8'), meta, d);
const SEARCH_PEOPLE = '<searchRequest requestID="s" dn="ou=people,o=example" scope="singleLevel" derefAliases="neverDerefAliases"><filter><present name="objectClass"/></filter></searchRequest>';

function faultOf(body: string): { code: string; text: string } {
  const fault = child(child(readXml(body), 'Body'), 'Fault');
  if (fault.ns === SOAP11) return { code: child(fault, 'faultcode').text, text: child(fault, 'faultstring').text };
  return { code: child(child(fault, 'Code'), 'Value').text, text: child(child(fault, 'Reason'), 'Text').text };
}

describe('POST /dsml, transport-free', () => {
  describe('forms of request and answer', () => {
    it('answers a SOAP 1.1 request in SOAP 1.1 with HTTP 200', async () => {
      const r = await post(soap11(batch(SEARCH_PEOPLE, 'requestID="1"')), deps(demoDirectory()));
      assert.equal(r.status, 200);
      assert.equal(r.contentType, 'text/xml; charset=utf-8');
      assert.equal(readXml(r.body).ns, SOAP11);
      assert.equal(batchResponseOf(r.body).children[0]!.children.length, 4);
    });

    it('answers a SOAP 1.2 request in SOAP 1.2', async () => {
      const r = await post(soap12(batch(SEARCH_PEOPLE)), deps(demoDirectory()), { contentType: 'application/soap+xml; charset=utf-8' });
      assert.equal(r.status, 200);
      assert.equal(r.contentType, 'application/soap+xml; charset=utf-8');
      assert.equal(readXml(r.body).ns, 'http://www.w3.org/2003/05/soap-envelope');
    });

    it('answers a bare batchRequest bare', async () => {
      const r = await post(batch(SEARCH_PEOPLE), deps(demoDirectory()));
      assert.equal(readXml(r.body).local, 'batchResponse');
    });

    it('takes the request exactly as .NET DsmlSoapHttpConnection writes it: no Content-Type, SOAPAction "#batchRequest"', async () => {
      const dotnet =
        `<se:Envelope xmlns:se="${SOAP11}"><se:Body xmlns="urn:oasis:names:tc:DSML:2:0:core">` +
        '<batchRequest xmlns="urn:oasis:names:tc:DSML:2:0:core" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" processing="sequential" responseOrder="sequential" onError="exit">' +
        '<compareRequest dn="uid=bob,ou=people,o=example"><assertion name="cn"><value xml:space="preserve"> Bob</value></assertion></compareRequest>' +
        '</batchRequest></se:Body></se:Envelope>';
      const r = await post(dotnet, deps(demoDirectory()), { soapAction: '"#batchRequest"' });
      assert.equal(r.status, 200);
      const br = batchResponseOf(r.body);
      assert.deepEqual(names(br), ['compareResponse']);
      assert.equal(attrOf(child(br.children[0]!, 'resultCode'), 'code'), '5'); // " Bob" is not "Bob": the leading space was kept
    });

    it('keeps a binary attribute byte-exact through the whole pipeline', async () => {
      const photo = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x80, 0x81]);
      const r = await post(soap11(batch('<searchRequest dn="uid=alice,ou=people,o=example" scope="baseObject" derefAliases="neverDerefAliases"><filter><present name="objectClass"/></filter><attributes><attribute name="jpegPhoto"/></attributes></searchRequest>')), deps(demoDirectory()));
      const value = child(child(batchResponseOf(r.body).children[0]!.children[0]!, 'attr'), 'value');
      assert.deepEqual(Buffer.from(value.text, 'base64'), photo);
    });
  });

  describe('bad documents', () => {
    it('answers text that is not XML with HTTP 400 and a SOAP 1.1 Client fault', async () => {
      const r = await post('hello there', deps(demoDirectory()));
      assert.equal(r.status, 400);
      assert.equal(faultOf(r.body).code, 'soap:Client');
    });

    it('words the fault in SOAP 1.2 when the Content-Type is SOAP 1.2', async () => {
      const r = await post('<broken', deps(demoDirectory()), { contentType: 'application/soap+xml' });
      assert.equal(r.status, 400);
      assert.equal(faultOf(r.body).code, 'env:Sender');
    });

    it('answers a DTD with HTTP 400 and a fault that says nothing of the inside', async () => {
      const r = await post(`<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>${soap11(batch('<delRequest dn="&x;"/>'))}`, deps(demoDirectory()));
      assert.equal(r.status, 400);
      assert.deepEqual(faultOf(r.body), { code: 'soap:Client', text: 'document type declarations are refused' });
      assert.ok(!r.body.includes('root:'));
    });

    it('answers a SOAP envelope without a batchRequest with HTTP 400', async () => {
      const r = await post(soap12('<x:Other xmlns:x="urn:x"/>'), deps(demoDirectory()));
      assert.equal(r.status, 400);
      assert.equal(faultOf(r.body).code, 'env:Sender');
    });

    it('answers a mandatory unknown header with a MustUnderstand fault', async () => {
      const r = await post(soap11(batch(''), '<t:Tx xmlns:t="urn:tx" se:mustUnderstand="1"/>'), deps(demoDirectory()));
      assert.equal(r.status, 500);
      assert.equal(faultOf(r.body).code, 'soap:MustUnderstand');
    });
  });

  describe('limits', () => {
    it('answers a body over the limit with a notAttempted errorResponse, in the form the request looks like', async () => {
      const big = soap12(batch(`<delRequest dn="cn=${'x'.repeat(2000)}"/>`));
      const r = await post(big, deps(demoDirectory(), { limits: { bodyBytes: 1024 } }));
      assert.equal(r.status, 200);
      assert.equal(r.contentType, 'application/soap+xml; charset=utf-8');
      const e = batchResponseOf(r.body).children[0]!;
      assert.deepEqual([e.local, attrOf(e, 'type')], ['errorResponse', 'notAttempted']);
    });

    it('answers a document with too many elements the same way', async () => {
      const dir = demoDirectory();
      const r = await post(soap11(batch('<delRequest dn="cn=a"/>'.repeat(20))), deps(dir, { limits: { elements: 16 } }));
      assert.equal(r.status, 200);
      assert.equal(attrOf(batchResponseOf(r.body).children[0]!, 'type'), 'notAttempted');
      assert.equal(dir.calls.length, 0);
    });
  });

  describe('Microsoft DSML sessions and paged search', () => {
    const people = (n: number): Entry[] => [
      { dn: 'o=example', attributes: [] },
      { dn: 'ou=people,o=example', attributes: [] },
      ...Array.from({ length: n }, (_, i) => person(`user${i}`)),
    ];
    const begin = `<ad:BeginSession xmlns:ad="${AD}" se:mustUnderstand="1"/>`;
    const inSession = (id: string): string => `<ad:Session xmlns:ad="${AD}" ad:SessionID="${id}" se:mustUnderstand="1"/>`;
    const end = (id: string): string => `<ad:EndSession xmlns:ad="${AD}" ad:SessionID="${id}" se:mustUnderstand="1"/>`;
    const pagedSearch = (cookie: Buffer): string =>
      batch(`<searchRequest requestID="p" dn="ou=people,o=example" scope="singleLevel" derefAliases="neverDerefAliases"><control type="1.2.840.113556.1.4.319"><controlValue xsi:type="xsd:base64Binary">${encodePaged({ size: 2, cookie }).toString('base64')}</controlValue></control><filter><present name="objectClass"/></filter></searchRequest>`);

    function sessionIdOf(body: string): string {
      const s = child(child(readXml(body), 'Header'), 'Session');
      return s.attrs.find((a) => a.local === 'SessionID' && a.ns === AD)!.value;
    }

    function page(body: string): { uids: string[]; cookie: Buffer } {
      const sr = batchResponseOf(body).children[0]!;
      const uids = sr.children.filter((c) => c.local === 'searchResultEntry').map((c) => attrOf(c, 'dn')!.split(',')[0]!.slice(4));
      const done = child(sr, 'searchResultDone');
      const control = done.children.find((c) => c.local === 'control');
      return { uids, cookie: control ? decodePaged(Buffer.from(child(control, 'controlValue').text, 'base64'))!.cookie : Buffer.alloc(0) };
    }

    it('begins a session, continues a paged search across requests in it, and ends it', async () => {
      const d = deps(new MemoryDirectory(people(5)));
      const opened = await post(soap11(batch(''), begin), d, { clientIp: '192.0.2.1' });
      assert.equal(opened.status, 200);
      const id = sessionIdOf(opened.body);
      assert.ok(id.length >= 16);

      const seen: string[] = [];
      let cookie: Buffer = Buffer.alloc(0);
      for (let n = 0; n < 3; n++) {
        const r = await post(soap11(pagedSearch(cookie), inSession(id)), d, { clientIp: '192.0.2.1' });
        assert.equal(sessionIdOf(r.body), id, 'every answer in a session carries its Session header');
        const p = page(r.body);
        seen.push(...p.uids);
        cookie = p.cookie;
        if (!cookie.length) break;
      }
      assert.deepEqual(seen, ['user0', 'user1', 'user2', 'user3', 'user4']);

      const closed = await post(soap11(batch(''), end(id)), d, { clientIp: '192.0.2.1' });
      assert.equal(sessionIdOf(closed.body), id);
      const after = await post(soap11(batch(''), inSession(id)), d, { clientIp: '192.0.2.1' });
      assert.equal(after.status, 400);
      assert.equal(faultOf(after.body).text, 'the DSML session is unknown or has expired');
    });

    it('hands the client a session-bound handle, never the directory\'s own cookie', async () => {
      const dir = new MemoryDirectory(people(4));
      const d = deps(dir);
      const id = sessionIdOf((await post(soap11(batch(''), begin), d)).body);
      const first = page((await post(soap11(pagedSearch(Buffer.alloc(0)), inSession(id)), d)).body);
      assert.ok(!first.cookie.toString().startsWith('cookie-'));
      // The same handle outside the session means nothing.
      const outside = await post(soap11(pagedSearch(first.cookie)), d);
      const done = child(batchResponseOf(outside.body).children[0]!, 'searchResultDone');
      assert.equal(attrOf(child(done, 'resultCode'), 'code'), '53');
    });

    it('refuses a session to another caller or another client address', async () => {
      const d = deps(demoDirectory());
      const id = sessionIdOf((await post(soap11(batch(''), begin), d, { clientIp: '192.0.2.1' })).body);
      const otherUser = await post(soap11(batch(''), inSession(id)), { ...d, ctx: { requestId: 'x', principal: { dn: 'uid=bob,ou=people,o=example', appId: 'mobile-demo' } } }, { clientIp: '192.0.2.1' });
      assert.equal(otherUser.status, 400);
      const otherIp = await post(soap11(batch(''), inSession(id)), d, { clientIp: '198.51.100.7' });
      assert.equal(otherIp.status, 400);
    });

    it('refuses a new session past the limit with a Server fault and 503', async () => {
      const d = deps(demoDirectory(), { sessions: { maxSessionsPerPrincipal: 2 } });
      await post(soap11(batch(''), begin), d);
      await post(soap11(batch(''), begin), d);
      const third = await post(soap11(batch(''), begin), d);
      assert.equal(third.status, 503);
      assert.deepEqual(faultOf(third.body), { code: 'soap:Server', text: 'no DSML session is available' });
    });

    it('answers session headers as not understood when the gateway keeps no sessions', async () => {
      const r = await post(soap11(batch(''), begin), { ...deps(demoDirectory()), sessions: undefined });
      assert.equal(faultOf(r.body).code, 'soap:MustUnderstand');
    });
  });

  describe('streaming', () => {
    it('produces the same document as the whole-body handler', async () => {
      const d = deps(demoDirectory());
      const xml = soap11(batch(SEARCH_PEOPLE + '<compareRequest dn="uid=bob,ou=people,o=example"><assertion name="uid"><value>bob</value></assertion></compareRequest>', 'requestID="9"'));
      const whole = await post(xml, d);
      const streamed = await handleDsmlRequestStream(Buffer.from(xml), {}, d);
      assert.equal(streamed.status, 200);
      assert.equal(await collectBody(streamed.body), whole.body);
    });

    it('hands a large search out in pieces while the search is still running', async () => {
      let produced = 0;
      const endless: Directory = Object.assign(demoDirectory(), {
        async *search(): AsyncIterable<SearchEvent> {
          for (let i = 0; i < 5000; i++) {
            produced++;
            yield { kind: 'entry', entry: { dn: `uid=u${i},o=example`, attributes: [{ type: 'description', values: ['x'.repeat(100)] }] } };
          }
          yield { kind: 'done', result: { resultCode: 0 } };
        },
      });
      const r = await handleDsmlRequestStream(Buffer.from(soap11(batch(SEARCH_PEOPLE))), {}, deps(endless));
      const it = r.body[Symbol.asyncIterator]();
      const first = await it.next();
      assert.ok(!first.done && first.value.length > 0);
      assert.ok(produced < 5000, `only part of the search has run when the first piece is out (${produced})`);
      let rest = first.value as string;
      for (let n = await it.next(); !n.done; n = await it.next()) rest += n.value;
      assert.equal(produced, 5000);
      assert.equal(batchResponseOf(rest).children[0]!.children.length, 5001);
    });

    it('stops the search when the reader goes away', async () => {
      let produced = 0;
      let finished = false;
      const endless: Directory = Object.assign(demoDirectory(), {
        async *search(): AsyncIterable<SearchEvent> {
          try {
            for (let i = 0; i < 100000; i++) {
              produced++;
              yield { kind: 'entry', entry: { dn: `uid=u${i},o=example`, attributes: [{ type: 'description', values: ['y'.repeat(200)] }] } };
            }
            yield { kind: 'done', result: { resultCode: 0 } };
          } finally {
            finished = true;
          }
        },
      });
      const r = await handleDsmlRequestStream(Buffer.from(soap11(batch(SEARCH_PEOPLE))), {}, deps(endless));
      const it = r.body[Symbol.asyncIterator]();
      await it.next();
      await it.return!(undefined);
      await new Promise((resolve) => setImmediate(resolve));
      assert.ok(finished, 'the directory search was closed');
      assert.ok(produced < 100000);
    });
  });
});
