import assert from 'node:assert/strict';
import { XmlScreen, type Protocol, type XmlSummary } from '../../../src/firewall/xml-screen.js';
import { FirewallRefusal } from '../../../src/firewall/refusal.js';

const LIMITS = { maxDepth: 16, maxElements: 200, maxAttributes: 8, maxNameLength: 40 };

function screen(xml: string, protocol: Protocol = 'dsml', chunkSize = 7): XmlSummary {
  const s = new XmlScreen(LIMITS, protocol);
  const bytes = Buffer.from(xml, 'utf8');
  // Small chunks: the screen must not depend on where the network cuts the body.
  for (let i = 0; i < bytes.length; i += chunkSize) s.write(bytes.subarray(i, i + chunkSize));
  return s.end();
}

function refusedWith(xml: string, reason: string, protocol: Protocol = 'dsml'): void {
  assert.throws(() => screen(xml, protocol), (err: unknown) => err instanceof FirewallRefusal && err.reason === reason);
}

const ENV = (inner: string) => `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${inner}</soap:Body></soap:Envelope>`;
const BATCH = (inner: string) => `<batchRequest xmlns="urn:oasis:names:tc:DSML:2:0:core" requestID="r1">${inner}</batchRequest>`;

describe('XML screen', () => {
  it('reads the operations and DNs of an enveloped DSML batch', () => {
    const summary = screen(ENV(BATCH('<searchRequest dn="ou=people,o=example" scope="singleLevel"><filter><present name="cn"/></filter></searchRequest><modDNRequest dn="uid=a,ou=people,o=example" newrdn="uid=b" newSuperior="ou=old,o=example"/>')));
    assert.equal(summary.enveloped, true);
    assert.equal(summary.payload?.local, 'batchRequest');
    assert.equal(summary.payload?.requestId, 'r1');
    assert.deepEqual(summary.operations.map((o) => [o.element, o.dn, o.newSuperior]), [
      ['searchRequest', 'ou=people,o=example', undefined],
      ['modDNRequest', 'uid=a,ou=people,o=example', 'ou=old,o=example'],
    ]);
  });

  it('accepts a bare batchRequest, the five predefined entities and character references', () => {
    const summary = screen(BATCH('<searchRequest dn="cn=a&amp;b &#x41;&lt;&gt;&quot;&apos;,o=example"/>'));
    assert.equal(summary.enveloped, false);
    assert.equal(summary.operations[0]?.dn, 'cn=a&b A<>"\',o=example');
  });

  it('marks an xenc:EncryptedData body as encrypted and reads no operations from it', () => {
    const summary = screen(ENV('<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"><xenc:CipherData><xenc:CipherValue>AAAA</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>'));
    assert.equal(summary.encrypted, true);
    assert.deepEqual(summary.operations, []);
  });

  it('reads SPML requests and the PSO identifiers they name, in and out of a batch', () => {
    const single = screen(ENV('<spml:lookupRequest xmlns:spml="urn:oasis:names:tc:SPML:2:0" requestID="q"><spml:psoID ID="uid=a,ou=people,o=example"/></spml:lookupRequest>'), 'spml');
    assert.deepEqual(single.operations, [{ element: 'lookupRequest', ids: ['uid=a,ou=people,o=example'] }]);
    const batch = screen(ENV('<batchRequest xmlns="urn:oasis:names:tc:SPML:2:0:batch"><addRequest xmlns="urn:oasis:names:tc:SPML:2:0"><containerID ID="ou=people,o=example"/></addRequest><deleteRequest xmlns="urn:oasis:names:tc:SPML:2:0"><psoID ID="uid=x,o=other"/></deleteRequest></batchRequest>'), 'spml');
    assert.deepEqual(batch.operations.map((o) => [o.element, o.ids]), [['addRequest', ['ou=people,o=example']], ['deleteRequest', ['uid=x,o=other']]]);
  });

  it('refuses a DOCTYPE, and one declaring entities as an entity construct', () => {
    refusedWith('<!DOCTYPE batchRequest><batchRequest/>', 'xml-doctype-refused');
    refusedWith('<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>', 'xml-entity-refused');
    refusedWith('<!DOCTYPE x [<!ENTITY % p SYSTEM "http://203.0.113.1/x.dtd"> %p;]><x/>', 'xml-entity-refused');
  });

  it('refuses a reference to an undeclared entity', () => {
    refusedWith(BATCH('<searchRequest dn="&nbsp;"/>'), 'xml-entity-refused');
  });

  it('refuses nesting, element counts, attribute counts and names over the caps', () => {
    refusedWith(BATCH(`${'<a>'.repeat(16)}${'</a>'.repeat(16)}`), 'xml-too-deep');
    refusedWith(BATCH('<searchRequest/>'.repeat(250)), 'xml-too-many-elements');
    refusedWith(BATCH(`<searchRequest ${Array.from({ length: 9 }, (_, i) => `a${i}="x"`).join(' ')}/>`), 'xml-too-many-attributes');
    refusedWith(BATCH(`<${'n'.repeat(41)}/>`), 'xml-name-too-long');
  });

  it('refuses what is not well-formed, not UTF-8, or declared in another encoding', () => {
    refusedWith('<batchRequest>', 'xml-malformed');
    refusedWith('', 'xml-malformed');
    assert.throws(() => { const s = new XmlScreen(LIMITS, 'dsml'); s.write(Buffer.from([0x3c, 0x61, 0xff, 0x3e])); s.end(); }, (e: unknown) => e instanceof FirewallRefusal && e.reason === 'xml-malformed');
    refusedWith('<?xml version="1.0" encoding="ISO-8859-1"?><batchRequest xmlns="urn:oasis:names:tc:DSML:2:0:core"/>', 'xml-encoding-refused');
  });

  it('refuses bodies that are not one DSML batch or one SPML request', () => {
    refusedWith(ENV('<searchRequest xmlns="urn:oasis:names:tc:DSML:2:0:core"/>'), 'soap-malformed');
    refusedWith(ENV(BATCH('') + BATCH('')), 'soap-malformed');
    refusedWith('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Smuggled/><soap:Body/></soap:Envelope>', 'soap-malformed');
    refusedWith('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>', 'soap-malformed');
    refusedWith(ENV('<lookupRequest xmlns="urn:example:other"/>'), 'soap-malformed', 'spml');
  });

  it('ignores what a SOAP Header holds', () => {
    const summary = screen('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Header><x:a xmlns:x="urn:x"><batchRequest/></x:a></soap:Header><soap:Body>' + BATCH('<delRequest dn="uid=a,o=example"/>') + '</soap:Body></soap:Envelope>');
    assert.deepEqual(summary.operations.map((o) => o.element), ['delRequest']);
  });
});
