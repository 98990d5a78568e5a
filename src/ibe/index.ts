/** dirgate's IBE: the scheme, identities, the worker pool and encrypted payloads. */
export * from './constants.js';
export type { BackendName, PairingBackend } from './backend.js';
export { BACKEND_NAMES } from './backend.js';
export { Ibe, loadIbe, encodeCiphertext, decodeCiphertext, identityBytes, type Ciphertext, type MasterKeyPair, type EncryptOptions } from './ibe.js';
export { buildIdentity, parseIdentity, identityExpired, newIdentitySecret, IDENTITY_PREFIX, type IbeIdentity } from './identity.js';
export { createIbePool, type IbePool, type IbePoolOptions } from './pool.js';
export { sealPayload, openPayload, sealedIv, GCM_IV_BYTES, GCM_TAG_BYTES } from './aes-gcm.js';
export {
  buildEncryptedData, parseEncryptedData, XENC_NS, DSIG_NS, AES256_GCM_ALGORITHM, XENC_ELEMENT_TYPE, type EncryptedDataParts,
} from './xml-encryption.js';
export { ContentKeyCache, ReplayGuard, type ContentKeyCacheOptions, type ReplayGuardOptions } from './session-keys.js';
export {
  inlineIbe, wrapContentKey, encryptPayload, decryptPayload, type IbeOperations, type WrappedContentKey, type DecryptPayloadOptions,
} from './envelope.js';
