import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decodeCiphertext, encodeCiphertext, loadIbe, type Ibe } from '../../../src/ibe/index.js';

const ALICE = 'dirgate:v1:mobile-demo:s-alice:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA:1900000000';
const BOB = 'dirgate:v1:mobile-demo:s-bob:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB:1900000000';

function flip(bytes: Uint8Array, index: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[index] = copy[index]! ^ 0x01;
  return copy;
}

for (const backend of ['noble', 'mcl'] as const) {
  describe(`IBE decryption refuses what it must (${backend} backend)`, () => {
    let ibe: Ibe;
    let master: { masterSecret: Uint8Array; masterPublicKey: Uint8Array };
    let aliceKey: Uint8Array;
    let ciphertext: Uint8Array;
    const secret = randomBytes(32);
    before(async () => {
      ibe = await loadIbe(backend);
      master = ibe.setup();
      aliceKey = ibe.extract(master.masterSecret, ALICE);
      ciphertext = encodeCiphertext(ibe.encrypt(master.masterPublicKey, ALICE, secret));
    });

    it('gives the message back to the right key', () => {
      assert.deepEqual(Buffer.from(ibe.decrypt(aliceKey, ciphertext)), secret);
    });

    it('refuses another identity\'s key', () => {
      const bobKey = ibe.extract(master.masterSecret, BOB);
      assert.throws(() => ibe.decrypt(bobKey, ciphertext), { code: 'ERR_DECRYPTION_FAILED', reason: 'ibe-fo-check-failed' });
    });

    it('refuses a tampered V or W (the Fujisaki-Okamoto check)', () => {
      for (const index of [100, 140]) {
        assert.throws(() => ibe.decrypt(aliceKey, flip(ciphertext, index)), { code: 'ERR_DECRYPTION_FAILED' });
      }
    });

    it('refuses a tampered U, whether or not it is still a point', () => {
      assert.throws(() => ibe.decrypt(aliceKey, flip(ciphertext, 50)), { code: 'ERR_DECRYPTION_FAILED' });
      const other = decodeCiphertext(encodeCiphertext(ibe.encrypt(master.masterPublicKey, ALICE, secret)));
      const spliced = encodeCiphertext({ ...decodeCiphertext(ciphertext), U: other.U });
      assert.throws(() => ibe.decrypt(aliceKey, spliced), { code: 'ERR_DECRYPTION_FAILED' });
    });

    it('refuses ciphertexts of the wrong length and says nothing of the message', () => {
      for (const bad of [ciphertext.subarray(0, 159), new Uint8Array(96), new Uint8Array(0)]) {
        assert.throws(() => ibe.decrypt(aliceKey, bad), (err: Error & { code?: string }) => {
          assert.equal(err.code, 'ERR_DECRYPTION_FAILED');
          assert.equal(err.message, 'the IBE ciphertext could not be decrypted');
          return true;
        });
      }
    });
  });
}
