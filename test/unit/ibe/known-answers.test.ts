import assert from 'node:assert/strict';
import { DIRGATE_IBE_DST, DRAND_G1_DST, encodeCiphertext, loadIbe, type Ibe } from '../../../src/ibe/index.js';
import {
  KAT_DIRGATE_CIPHERTEXT, KAT_DIRGATE_IDENTITY, KAT_DIRGATE_KEY, KAT_DRAND_CIPHERTEXT, KAT_DRAND_IDENTITY, KAT_DRAND_KEY,
  KAT_MASTER_PUBLIC_KEY, KAT_MASTER_SECRET, KAT_MESSAGE, KAT_SIGMA, tlock,
} from './fixtures.js';

for (const backend of ['noble', 'mcl'] as const) {
  describe(`IBE known answers (${backend} backend)`, () => {
    let ibe: Ibe;
    before(async () => { ibe = await loadIbe(backend); });

    it('derives the recorded master public key from the fixed master secret', () => {
      assert.deepEqual(Buffer.from(ibe.masterPublicKey(KAT_MASTER_SECRET)), KAT_MASTER_PUBLIC_KEY);
    });

    it('extracts the recorded identity keys under dirgate\'s DST and drand\'s', () => {
      assert.deepEqual(Buffer.from(ibe.extract(KAT_MASTER_SECRET, KAT_DIRGATE_IDENTITY)), KAT_DIRGATE_KEY);
      assert.deepEqual(Buffer.from(ibe.extract(KAT_MASTER_SECRET, KAT_DRAND_IDENTITY, DRAND_G1_DST)), KAT_DRAND_KEY);
    });

    it('encrypts to the recorded ciphertexts with a fixed sigma', () => {
      const ours = ibe.encrypt(KAT_MASTER_PUBLIC_KEY, KAT_DIRGATE_IDENTITY, KAT_MESSAGE, DIRGATE_IBE_DST, { sigma: KAT_SIGMA });
      assert.deepEqual(Buffer.from(encodeCiphertext(ours)), KAT_DIRGATE_CIPHERTEXT);
      const drands = ibe.encrypt(KAT_MASTER_PUBLIC_KEY, KAT_DRAND_IDENTITY, KAT_MESSAGE, DRAND_G1_DST, { sigma: KAT_SIGMA });
      assert.deepEqual(Buffer.from(encodeCiphertext(drands)), KAT_DRAND_CIPHERTEXT);
    });

    it('decrypts the recorded ciphertexts with the recorded keys', () => {
      assert.deepEqual(Buffer.from(ibe.decrypt(KAT_DIRGATE_KEY, KAT_DIRGATE_CIPHERTEXT)), KAT_MESSAGE);
      assert.deepEqual(Buffer.from(ibe.decrypt(KAT_DRAND_KEY, KAT_DRAND_CIPHERTEXT)), KAT_MESSAGE);
    });
  });
}

describe('IBE known answers, checked from outside', () => {
  it('tlock-js decrypts the recorded ciphertexts with the recorded keys', async () => {
    for (const [key, ct] of [[KAT_DIRGATE_KEY, KAT_DIRGATE_CIPHERTEXT], [KAT_DRAND_KEY, KAT_DRAND_CIPHERTEXT]] as const) {
      const plain = await tlock.decryptOnG2(key, { U: ct.subarray(0, 96), V: ct.subarray(96, 128), W: ct.subarray(128) });
      assert.deepEqual(Buffer.from(plain), KAT_MESSAGE);
    }
  });
});
