/**
 * The fixed names and sizes of dirgate's IBE suite (DESIGN section 3,
 * "Encrypted payloads"). Everything that crosses a wire is one of these sizes.
 */

/** The suite name carried in discovery and in XML Encryption's EncryptionMethod. */
export const IBE_SUITE = 'urn:dirgate:ibe:bf-bls12381:v1';

/**
 * dirgate's hash-to-curve domain separation tag. Deliberately not the BLS
 * signature DST, so an identity key can never double as a signature that
 * another system would accept.
 */
export const DIRGATE_IBE_DST = 'DIRGATE-V1-IBE_BLS12381G1_XMD:SHA-256_SSWU_RO_';

/** drand's "bls-unchained-g1-rfc9380" (quicknet) DST: used only to prove the construction against tlock. */
export const DRAND_G1_DST = 'BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_';

export const MASTER_SECRET_BYTES = 32;
/** Compressed G2 point. */
export const MASTER_PUBLIC_KEY_BYTES = 96;
/** Compressed G1 point. */
export const IDENTITY_KEY_BYTES = 48;
/** The message IBE wraps: an AES-256 content key. */
export const CONTENT_KEY_BYTES = 32;
/** The longest message kyber's construction allows: one SHA-256 output. */
export const MAX_IBE_MESSAGE_BYTES = 32;
/** U (compressed G2) || V || W for a 32-byte message. */
export const CIPHERTEXT_BYTES = MASTER_PUBLIC_KEY_BYTES + 2 * CONTENT_KEY_BYTES;
