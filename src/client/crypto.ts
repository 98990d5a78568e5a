/**
 * The client's end of encrypted payloads (DESIGN section 3): the session key
 * from the login answer is checked first as a BLS signature on the session's
 * identity under the master public key from discovery (a key that does not
 * verify did not come from the key server this gateway uses), then
 *
 * - requests: one content key per session, wrapped once to `gatewayIdentity`,
 *   each message sealed under it with a fresh IV;
 * - responses: the gateway's EncryptedKey is unwrapped with the session key
 *   once and cached; replays are refused.
 */
import { DirgateError } from '../errors.js';
import { decryptPayload, encryptPayload, inlineIbe, wrapContentKey, type WrappedContentKey } from '../ibe/envelope.js';
import { loadIbe, type Ibe } from '../ibe/ibe.js';
import type { BackendName } from '../ibe/backend.js';
import { parseIdentity } from '../ibe/identity.js';
import { ContentKeyCache, ReplayGuard } from '../ibe/session-keys.js';

export interface SessionKeyMaterial {
  /** Base64 of the 96-byte master public key (discovery). */
  masterPublicKey: string;
  /** The identity requests are encrypted to (discovery). */
  gatewayIdentity: string;
  /** The session's identity and its key (login answer). */
  identity: string;
  sessionKey: string;
}

export class ClientCrypto {
  readonly #ibe: Ibe;
  readonly #m: SessionKeyMaterial;
  readonly #mpk: Uint8Array;
  readonly #key: Uint8Array;
  readonly #cache = new ContentKeyCache({ max: 16 });
  readonly #replay = new ReplayGuard({ maxKeys: 16 });
  #request: Promise<WrappedContentKey> | undefined;

  private constructor(ibe: Ibe, material: SessionKeyMaterial) {
    this.#ibe = ibe;
    this.#m = material;
    this.#mpk = Uint8Array.from(Buffer.from(material.masterPublicKey, 'base64'));
    this.#key = Uint8Array.from(Buffer.from(material.sessionKey, 'base64'));
  }

  /** Checks the session key and returns the crypto for the session; throws when the key does not verify. */
  static async open(material: SessionKeyMaterial, backend: BackendName = 'noble'): Promise<ClientCrypto> {
    const ibe = await loadIbe(backend);
    parseIdentity(material.identity);
    const ok = ibe.verifyIdentityKey(Uint8Array.from(Buffer.from(material.masterPublicKey, 'base64')), material.identity,
      Uint8Array.from(Buffer.from(material.sessionKey, 'base64')));
    if (!ok) throw new DirgateError('ERR_AUTHENTICATION_FAILED', 'the session key does not verify against the master public key', { reason: 'session-key-invalid' });
    return new ClientCrypto(ibe, material);
  }

  get identity(): string {
    return this.#m.identity;
  }

  /** The EncryptedData element carrying `plaintext` to the gateway. */
  async encrypt(plaintext: string): Promise<string> {
    this.#request ??= wrapContentKey(inlineIbe(this.#ibe), this.#mpk, this.#m.gatewayIdentity);
    return encryptPayload(await this.#request, plaintext);
  }

  /** The plaintext of an EncryptedData element the gateway sent to this session. */
  async decrypt(encryptedData: string): Promise<string> {
    const plain = await decryptPayload(encryptedData, {
      scope: this.#m.identity,
      cache: this.#cache,
      replay: this.#replay,
      expectIdentity: this.#m.identity,
      unwrap: async (encryptedKey) => this.#ibe.decrypt(this.#key, encryptedKey),
    });
    return plain.toString('utf8');
  }
}
