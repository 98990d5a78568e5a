import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { DRAND_G1_DST, encodeCiphertext, loadIbe, type Ibe } from '../../../src/ibe/index.js';
import { tlock } from './fixtures.js';

/** A drand round's identity, as tlock derives it: SHA-256 of the round number, 8 bytes big-endian. */
function roundIdentity(round: bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(round);
  return createHash('sha256').update(bytes).digest();
}

for (const backend of ['noble', 'mcl'] as const) {
  describe(`IBE interoperates with tlock-js under drand's DST (${backend} backend)`, () => {
    let ibe: Ibe;
    let master: { masterSecret: Uint8Array; masterPublicKey: Uint8Array };
    before(async () => {
      ibe = await loadIbe(backend);
      master = ibe.setup();
    });

    it('decrypts what tlock-js encrypted to a round, with s*H1(round) as the key', async () => {
      const id = roundIdentity(4_242_424n);
      const contentKey = randomBytes(32);
      const ciphertext = await tlock.encryptOnG2RFC9380(master.masterPublicKey, id, contentKey);
      const key = ibe.extract(master.masterSecret, id, DRAND_G1_DST);
      assert.deepEqual(Buffer.from(ibe.decrypt(key, ciphertext)), contentKey);
      assert.deepEqual(Buffer.from(ibe.decrypt(key, encodeCiphertext(ciphertext))), contentKey, 'and from its U || V || W bytes');
    });

    it('produces ciphertexts that tlock-js decrypts', async () => {
      const id = roundIdentity(7n);
      const contentKey = randomBytes(32);
      const ciphertext = ibe.encrypt(master.masterPublicKey, id, contentKey, DRAND_G1_DST);
      const key = ibe.extract(master.masterSecret, id, DRAND_G1_DST);
      assert.deepEqual(Buffer.from(await tlock.decryptOnG2(key, ciphertext)), contentKey);
    });

    it('refuses a tlock-js ciphertext for another round', async () => {
      const ciphertext = await tlock.encryptOnG2RFC9380(master.masterPublicKey, roundIdentity(1n), randomBytes(32));
      const otherKey = ibe.extract(master.masterSecret, roundIdentity(2n), DRAND_G1_DST);
      assert.throws(() => ibe.decrypt(otherKey, ciphertext), { code: 'ERR_DECRYPTION_FAILED' });
    });
  });
}
