/**
 * Fixed inputs and recorded outputs for the IBE known-answer tests. The outputs
 * were produced by dirgate's noble backend and cross-checked before recording:
 * tlock-js decrypts the ciphertexts with the keys, and the keys verify as BLS
 * signatures under noble's own short-signature code.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

export const KAT_MASTER_SECRET = Buffer.from('2a4f1b3c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f701', 'hex');
export const KAT_MASTER_PUBLIC_KEY = Buffer.from(
  'a046bb149ac3f146f0808d968a1c948282eeae844efa651839179e115ea19fd14746de40dbe012bcc8c45023dd131446'
  + '0a68bef0f6eecd141210fdd1c8daf290ce9b956880426c3f02040681700a144c3ce3848cd345955d3969c789bd2c84bd', 'hex');
export const KAT_SIGMA = Buffer.alloc(32, 0x5a);
export const KAT_MESSAGE = Buffer.from(Array.from({ length: 32 }, (_, i) => i));

export const KAT_DIRGATE_IDENTITY = 'dirgate:v1:mobile-demo:kat-session:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8:1893456000';
export const KAT_DIRGATE_KEY = Buffer.from('a5a3f58055f26f18ffa7b19a5643fb3b7088a597f562f52417ead46b9d732b77c6ef6adf26965492ca056e6811f6e19d', 'hex');
export const KAT_DIRGATE_CIPHERTEXT = Buffer.from(
  'a1177e0f59efd7b69e40a560b09e8a7ea608aa1673674852de4a7e4b452401e6420e98ed1095ccc07c47020a0bf3d3fc'
  + '0542a802a9cd17cf03c5745983963d44686af17fc5edb76d1f5b29ae1ac6bfb65d1af44fd54a1fb00cc48aeee0e718c7'
  + '8c86b3ccf2cabe4d5c7944aaba19f0c21061bd399845658f69a5f7fb7ed15e46'
  + '66e3e7fc25753cb34379a7309f65ca09dbfc07fa4cca9945608ca581a3845eed', 'hex');

/** A drand round's identity: SHA-256 of the round number, 8 bytes big-endian (round 1000). */
export const KAT_DRAND_IDENTITY = createHash('sha256').update(Buffer.from('00000000000003e8', 'hex')).digest();
export const KAT_DRAND_KEY = Buffer.from('a05a35444a648288680d92d7435a9f742ab770e97e05ac51661a1fc9bf99cf1e3995199237bf06f875b098971f7e6da7', 'hex');
export const KAT_DRAND_CIPHERTEXT = Buffer.from(
  'a1177e0f59efd7b69e40a560b09e8a7ea608aa1673674852de4a7e4b452401e6420e98ed1095ccc07c47020a0bf3d3fc'
  + '0542a802a9cd17cf03c5745983963d44686af17fc5edb76d1f5b29ae1ac6bfb65d1af44fd54a1fb00cc48aeee0e718c7'
  + 'c692b1b2e1261952670d61b9e142478f722b5e61c9f0ef627226b57872a94dc2'
  + '66e3e7fc25753cb34379a7309f65ca09dbfc07fa4cca9945608ca581a3845eed', 'hex');

export interface TlockCiphertext { U: Uint8Array; V: Uint8Array; W: Uint8Array }
export interface TlockIbe {
  /** drand quicknet's scheme: master key in G2, identities hashed to G1 with the RFC 9380 DST. */
  encryptOnG2RFC9380(master: Uint8Array, id: Uint8Array, msg: Uint8Array): Promise<TlockCiphertext>;
  decryptOnG2(key: Uint8Array, ciphertext: TlockCiphertext): Promise<Uint8Array>;
}

/** tlock-js's IBE module (CommonJS, with its own copy of @noble/curves v1). */
export const tlock = createRequire(import.meta.url)('tlock-js/crypto/ibe.js') as TlockIbe;
