import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DIRGATE_IBE_DST, DRAND_G1_DST, encodeCiphertext, loadIbe, type Ibe } from '../../../src/ibe/index.js';

// Deterministic, varied inputs: secrets, identities and sigmas from a hash chain.
const seed = (label: string, i: number) => createHash('sha256').update(`${label}-${i}`).digest();
const CASES = Array.from({ length: 4 }, (_, i) => ({
  // Clear the top bits so the secret is below the group order.
  masterSecret: Buffer.from([seed('secret', i)[0]! & 0x3f, ...seed('secret', i).subarray(1)]),
  identity: i % 2 === 0 ? `dirgate:v1:app-${i}:session-${i}:${seed('secret-part', i).toString('base64url')}:1900000000` : seed('round', i),
  dst: i % 2 === 0 ? DIRGATE_IBE_DST : DRAND_G1_DST,
  sigma: seed('sigma', i),
  message: seed('message', i).subarray(0, i === 3 ? 16 : 32),
}));

describe('the noble and mcl backends agree byte for byte', () => {
  let noble: Ibe;
  let mcl: Ibe;
  before(async () => {
    noble = await loadIbe('noble');
    mcl = await loadIbe('mcl');
  });

  CASES.forEach((c, i) => {
    it(`on fixed input set ${i + 1}: master key, identity key, ciphertext, plaintext and verification`, () => {
      const mpk = noble.masterPublicKey(c.masterSecret);
      assert.deepEqual(Buffer.from(mcl.masterPublicKey(c.masterSecret)), Buffer.from(mpk));
      const key = noble.extract(c.masterSecret, c.identity, c.dst);
      assert.deepEqual(Buffer.from(mcl.extract(c.masterSecret, c.identity, c.dst)), Buffer.from(key));
      const ct = encodeCiphertext(noble.encrypt(mpk, c.identity, c.message, c.dst, { sigma: c.sigma.subarray(0, c.message.length) }));
      const ctMcl = encodeCiphertext(mcl.encrypt(mpk, c.identity, c.message, c.dst, { sigma: c.sigma.subarray(0, c.message.length) }));
      assert.deepEqual(Buffer.from(ctMcl), Buffer.from(ct));
      assert.deepEqual(Buffer.from(mcl.decrypt(key, ct)), c.message);
      assert.deepEqual(Buffer.from(noble.decrypt(key, ct)), c.message);
      assert.equal(mcl.verifyIdentityKey(mpk, c.identity, key, c.dst), true);
      assert.equal(noble.verifyIdentityKey(mpk, c.identity, key, c.dst), true);
    });
  });

  it('compute the same pairing bytes for a key and a ciphertext point', () => {
    const c = CASES[0]!;
    const key = noble.extract(c.masterSecret, c.identity, c.dst);
    const U = noble.backend.mulG2Base(12345n);
    assert.deepEqual(Buffer.from(mcl.backend.pairKey(key, U)), Buffer.from(noble.backend.pairKey(key, U)));
  });
});
