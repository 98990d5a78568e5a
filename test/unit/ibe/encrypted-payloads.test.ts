import assert from 'node:assert/strict';
import {
  ContentKeyCache, ReplayGuard, buildEncryptedData, decryptPayload, encryptPayload, inlineIbe, loadIbe, parseEncryptedData,
  wrapContentKey, type Ibe, type WrappedContentKey,
} from '../../../src/ibe/index.js';

const SESSION = 'dirgate:v1:mobile-demo:s-1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA:1900000000';
const OTHER_SESSION = 'dirgate:v1:mobile-demo:s-2:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB:1900000000';
const BATCH = '<batchRequest xmlns="urn:oasis:names:tc:DSML:2:0:core"><searchRequest dn="o=example" scope="baseObject" derefAliases="neverDerefAliases"><filter><present name="objectClass"/></filter></searchRequest></batchRequest>';

describe('encrypted payloads (XML Encryption, AES-256-GCM, IBE-wrapped content key)', () => {
  let ibe: Ibe;
  let master: { masterSecret: Uint8Array; masterPublicKey: Uint8Array };
  let wrapped: WrappedContentKey;
  let sessionKey: Uint8Array;
  let unwraps: number;

  // The receiving side: a session's client, holding the session's identity key.
  function receiver(options: { replay?: ReplayGuard; cache?: ContentKeyCache; key?: Uint8Array; scope?: string } = {}) {
    const cache = options.cache ?? new ContentKeyCache();
    return (xml: string) => decryptPayload(xml, {
      scope: options.scope ?? 's-1',
      cache,
      replay: options.replay,
      expectIdentity: SESSION,
      unwrap: async (encryptedKey) => { unwraps += 1; return ibe.decrypt(options.key ?? sessionKey, encryptedKey); },
    });
  }

  before(async () => {
    ibe = await loadIbe('mcl');
    master = ibe.setup();
    wrapped = await wrapContentKey(inlineIbe(ibe), master.masterPublicKey, SESSION);
    sessionKey = ibe.extract(master.masterSecret, SESSION);
  });
  beforeEach(() => { unwraps = 0; });

  it('lays the element out as DESIGN shows it', () => {
    const xml = encryptPayload(wrapped, BATCH);
    assert.match(xml, /^<xenc:EncryptedData xmlns:xenc="http:\/\/www\.w3\.org\/2001\/04\/xmlenc#" Type="http:\/\/www\.w3\.org\/2001\/04\/xmlenc#Element">/);
    assert.match(xml, /<xenc:EncryptionMethod Algorithm="http:\/\/www\.w3\.org\/2009\/xmlenc11#aes256-gcm"\/><ds:KeyInfo xmlns:ds="http:\/\/www\.w3\.org\/2000\/09\/xmldsig#"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="urn:dirgate:ibe:bf-bls12381:v1"\/>/);
    const parts = parseEncryptedData(xml);
    assert.equal(parts.identity, SESSION);
    assert.deepEqual(parts.encryptedKey, wrapped.encryptedKey);
    assert.equal(parts.encryptedKey.length, 160);
    assert.equal(parts.sealed.length, 12 + Buffer.byteLength(BATCH) + 16);
  });

  it('round-trips a payload, and only the first message of a session pays for a pairing', async () => {
    const open = receiver();
    assert.equal((await open(encryptPayload(wrapped, BATCH))).toString('utf8'), BATCH);
    assert.equal((await open(encryptPayload(wrapped, 'second'))).toString('utf8'), 'second');
    assert.equal((await open(encryptPayload(wrapped, 'third'))).toString('utf8'), 'third');
    assert.equal(unwraps, 1);
  });

  it('uses a fresh IV for every message', () => {
    const ivs = new Set(Array.from({ length: 20 }, () => parseEncryptedData(encryptPayload(wrapped, BATCH)).sealed.subarray(0, 12).toString('hex')));
    assert.equal(ivs.size, 20);
  });

  it('accepts other namespace prefixes and whitespace between elements', async () => {
    const parts = parseEncryptedData(encryptPayload(wrapped, BATCH));
    const xml = `<e:EncryptedData xmlns:e="http://www.w3.org/2001/04/xmlenc#" xmlns:d="http://www.w3.org/2000/09/xmldsig#">
      <e:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/>
      <d:KeyInfo><e:EncryptedKey><e:EncryptionMethod Algorithm="urn:dirgate:ibe:bf-bls12381:v1"/>
        <d:KeyName>${SESSION}</d:KeyName>
        <e:CipherData><e:CipherValue>${parts.encryptedKey.toString('base64').replace(/(.{64})/g, '$1\n')}</e:CipherValue></e:CipherData>
      </e:EncryptedKey></d:KeyInfo>
      <e:CipherData><e:CipherValue>${parts.sealed.toString('base64')}</e:CipherValue></e:CipherData>
    </e:EncryptedData>`;
    assert.equal((await receiver()(xml)).toString('utf8'), BATCH);
  });

  it('refuses a tampered payload with no plaintext in the error', async () => {
    const parts = parseEncryptedData(encryptPayload(wrapped, BATCH));
    const sealed = Buffer.from(parts.sealed);
    sealed[20] = sealed[20]! ^ 0x80;
    await assert.rejects(receiver()(buildEncryptedData({ ...parts, sealed })), (err: Error & { code?: string; reason?: string }) => {
      assert.equal(err.code, 'ERR_DECRYPTION_FAILED');
      assert.equal(err.reason, 'payload-authentication-failed');
      assert.ok(!err.message.includes('batchRequest'));
      return true;
    });
  });

  it('refuses a tampered encrypted key, and caches nothing for it', async () => {
    const parts = parseEncryptedData(encryptPayload(wrapped, BATCH));
    const encryptedKey = Buffer.from(parts.encryptedKey);
    encryptedKey[120] = encryptedKey[120]! ^ 0x01;
    const cache = new ContentKeyCache();
    await assert.rejects(receiver({ cache })(buildEncryptedData({ ...parts, encryptedKey })), { code: 'ERR_DECRYPTION_FAILED' });
    assert.equal(cache.size, 0);
  });

  it('refuses a receiver with the wrong identity key', async () => {
    const otherKey = ibe.extract(master.masterSecret, OTHER_SESSION);
    await assert.rejects(receiver({ key: otherKey })(encryptPayload(wrapped, BATCH)), { code: 'ERR_DECRYPTION_FAILED' });
  });

  it('refuses a message encrypted to another session\'s identity before any pairing', async () => {
    const other = await wrapContentKey(inlineIbe(ibe), master.masterPublicKey, OTHER_SESSION);
    await assert.rejects(receiver()(encryptPayload(other, BATCH)), { code: 'ERR_DECRYPTION_FAILED', reason: 'payload-identity-mismatch' });
    assert.equal(unwraps, 0);
  });

  it('refuses an encrypted key that another session presented first', async () => {
    const cache = new ContentKeyCache();
    await receiver({ cache, scope: 's-1' })(encryptPayload(wrapped, BATCH));
    await assert.rejects(receiver({ cache, scope: 's-2' })(encryptPayload(wrapped, BATCH)), { code: 'ERR_DECRYPTION_FAILED', reason: 'encrypted-key-other-session' });
  });

  it('refuses a replayed message (same IV under the same key)', async () => {
    const open = receiver({ replay: new ReplayGuard() });
    const message = encryptPayload(wrapped, BATCH);
    await open(message);
    await assert.rejects(open(message), { code: 'ERR_DECRYPTION_FAILED', reason: 'payload-replayed' });
  });

  it('keeps a bounded window of IVs per key', () => {
    const guard = new ReplayGuard({ ivsPerKey: 2 });
    const key = Buffer.alloc(160, 1);
    const iv = (n: number) => Buffer.alloc(12, n);
    guard.check(key, iv(1));
    guard.check(key, iv(2));
    assert.throws(() => guard.check(key, iv(2)), { reason: 'payload-replayed' });
    guard.check(key, iv(3));
    guard.check(key, iv(1)); // fell out of the window
  });

  describe('the parser accepts the fixed shape only', () => {
    let good: string;
    before(() => { good = encryptPayload(wrapped, 'x'); });
    const cases: Array<[string, (xml: string) => string, string]> = [
      ['a DOCTYPE', (x) => `<!DOCTYPE d [<!ENTITY e "boom">]>${x}`, 'encrypted-data-malformed'],
      ['an unknown entity', (x) => x.replace('</ds:KeyName>', '&e;</ds:KeyName>'), 'encrypted-data-malformed'],
      ['another payload algorithm', (x) => x.replace('xmlenc11#aes256-gcm', 'xmlenc#aes256-cbc'), 'encryption-algorithm-unsupported'],
      ['another key transport', (x) => x.replace('urn:dirgate:ibe:bf-bls12381:v1', 'http://www.w3.org/2001/04/xmlenc#rsa-1_5'), 'encryption-algorithm-unsupported'],
      ['an extra element', (x) => x.replace('<ds:KeyName>', '<ds:X509Data/><ds:KeyName>'), 'encrypted-data-malformed'],
      ['a missing key name', (x) => x.replace(/<ds:KeyName>.*<\/ds:KeyName>/, ''), 'encrypted-data-malformed'],
      ['elements in the wrong namespace', (x) => x.replace('xmlns:ds="http://www.w3.org/2000/09/xmldsig#"', 'xmlns:ds="urn:other"'), 'encrypted-data-malformed'],
      ['a processing instruction', (x) => x.replace('<ds:KeyInfo', '<?evil?><ds:KeyInfo'), 'encrypted-data-malformed'],
      ['a cipher value that is not base64', (x) => x.replace(/<xenc:CipherValue>[^<]+<\/xenc:CipherValue><\/xenc:CipherData><\/xenc:EncryptedData>$/, '<xenc:CipherValue>***</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>'), 'encrypted-data-malformed'],
      ['text that is not XML', () => 'not xml at all <', 'encrypted-data-malformed'],
    ];
    for (const [name, mutate, reason] of cases) {
      it(`refuses ${name}`, () => {
        const xml = mutate(good);
        assert.notEqual(xml, good, 'the case changes the document');
        assert.throws(() => parseEncryptedData(xml), { code: 'ERR_MALFORMED_REQUEST', reason });
      });
    }
  });
});
