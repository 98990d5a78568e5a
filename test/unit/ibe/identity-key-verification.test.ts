import assert from 'node:assert/strict';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { DIRGATE_IBE_DST, DRAND_G1_DST, loadIbe, type Ibe } from '../../../src/ibe/index.js';
import { KAT_DIRGATE_IDENTITY, KAT_DIRGATE_KEY, KAT_MASTER_PUBLIC_KEY } from './fixtures.js';

const encoder = new TextEncoder();

describe('a client verifies its identity key against the master public key', () => {
  it('an identity key is a BLS signature on the identity (checked with noble\'s own short-signature code)', () => {
    const { shortSignatures } = bls12_381;
    const message = shortSignatures.hash(encoder.encode(KAT_DIRGATE_IDENTITY), DIRGATE_IBE_DST);
    assert.equal(shortSignatures.verify(KAT_DIRGATE_KEY, message, KAT_MASTER_PUBLIC_KEY), true);
  });

  for (const backend of ['noble', 'mcl'] as const) {
    describe(`with the ${backend} backend`, () => {
      let ibe: Ibe;
      let master: { masterSecret: Uint8Array; masterPublicKey: Uint8Array };
      before(async () => {
        ibe = await loadIbe(backend);
        master = ibe.setup();
      });

      it('accepts the key extracted for the identity', () => {
        const key = ibe.extract(master.masterSecret, 'dirgate:v1:a:b:cccccccccccccccccccccc:1900000000');
        assert.equal(ibe.verifyIdentityKey(master.masterPublicKey, 'dirgate:v1:a:b:cccccccccccccccccccccc:1900000000', key), true);
      });

      it('refuses a key for another identity, under another master key, or under another DST', () => {
        const key = ibe.extract(master.masterSecret, 'identity-one');
        assert.equal(ibe.verifyIdentityKey(master.masterPublicKey, 'identity-two', key), false);
        assert.equal(ibe.verifyIdentityKey(ibe.setup().masterPublicKey, 'identity-one', key), false);
        assert.equal(ibe.verifyIdentityKey(master.masterPublicKey, 'identity-one', key, DRAND_G1_DST), false);
      });

      it('refuses bytes that are not a point rather than throwing', () => {
        assert.equal(ibe.verifyIdentityKey(master.masterPublicKey, 'identity-one', new Uint8Array(48).fill(0xff)), false);
        assert.equal(ibe.verifyIdentityKey(master.masterPublicKey, 'identity-one', new Uint8Array(47)), false);
      });
    });
  }
});
