/**
 * Encrypted payloads (DESIGN section 3), the gateway's side:
 *
 *   direction | encrypted to             | content key                           | pairing
 *   ----------+--------------------------+---------------------------------------+----------------------------
 *   request   | gatewayIdentity          | the client's, wrapped once per session | first request per process
 *   response  | the session's identity   | the session's, wrapped once at login  | none (wrapped at login)
 *
 * A request is decrypted only for a session the authenticator has already
 * validated (so a revoked or expired session is refused before any
 * decryption), only when encrypted to one of the gateway's current identities,
 * and only once per IV (replays are refused). Unwrapping runs on the IBE
 * worker pool; unwrapped keys are cached by EncryptedKey bytes, bound to the
 * session that first presented them.
 *
 * An answer is left in clear only where the client cannot read it otherwise:
 * before the session has a key (MFA outstanding) and in the answer that hands
 * the key out.
 */
import { DirgateError } from '../../errors.js';
import { decryptPayload, encryptPayload, type IbeOperations } from '../../ibe/envelope.js';
import type { ContentKeyCache, ReplayGuard } from '../../ibe/session-keys.js';
import { parseEncryptedData, XENC_NS } from '../../ibe/xml-encryption.js';
import type { AuthenticatedCaller, PayloadCrypto } from '../caller.js';
import { stateOf } from './caller-state.js';
import type { GatewayIdentities } from './gateway-identity.js';
import type { PayloadKeys } from './payload-keys.js';

export interface IbePayloadCryptoOptions {
  identities: GatewayIdentities;
  payloadKeys: PayloadKeys;
  ibe: IbeOperations;
  cache: ContentKeyCache;
  replay: ReplayGuard;
}

function refused(reason: string): DirgateError {
  return new DirgateError('ERR_DECRYPTION_FAILED', 'the payload could not be decrypted', { reason });
}

const ENCRYPTED_DATA_START = /<((?:[A-Za-z_][\w.-]*:)?)EncryptedData[\s/>]/g;
const XML_DECLARATION = /^\uFEFF?\s*<\?xml[^?]*\?>\s*/;
const SOAP_BODY_START = /<((?:[A-Za-z_][\w.-]*:)?)Body(?:\s[^>]*)?>/;

/** Where the one EncryptedData element sits in the text, or undefined. */
function locateEncryptedData(text: string): { start: number; end: number } | undefined {
  const starts = [...text.matchAll(ENCRYPTED_DATA_START)];
  if (starts.length !== 1) return undefined;
  const first = starts[0]!;
  const close = `</${first[1]}EncryptedData>`;
  const end = text.indexOf(close, first.index);
  if (end < 0) return undefined;
  return { start: first.index, end: end + close.length };
}

export class IbePayloadCrypto implements PayloadCrypto {
  constructor(private readonly o: IbePayloadCryptoOptions) {}

  isEncrypted(body: Buffer): boolean {
    const text = body.toString('utf8');
    return text.includes(XENC_NS) && locateEncryptedData(text) !== undefined;
  }

  async decryptRequest(body: Buffer, caller: AuthenticatedCaller): Promise<Buffer> {
    const state = stateOf(caller.ctx);
    if (state?.kind !== 'session' || caller.sessionId === undefined) throw refused('payload-without-session');
    if (state.session.mfa.state !== 'complete') throw refused('mfa-pending');
    const text = body.toString('utf8');
    const at = locateEncryptedData(text);
    if (!at) throw new DirgateError('ERR_MALFORMED_REQUEST', 'malformed EncryptedData', { reason: 'encrypted-data-malformed' });
    const parts = parseEncryptedData(text.slice(at.start, at.end));
    // Before any pairing: only the gateway's own, current identities.
    this.o.identities.check(parts.identity);
    const plaintext = await decryptPayload(parts, {
      scope: caller.sessionId,
      cache: this.o.cache,
      replay: this.o.replay,
      unwrap: async (encryptedKey, identity) => this.o.ibe.decrypt(await this.o.identities.key(identity), encryptedKey),
    });
    return Buffer.concat([Buffer.from(text.slice(0, at.start), 'utf8'), plaintext, Buffer.from(text.slice(at.end), 'utf8')]);
  }

  async encryptResponse(xml: string, caller: AuthenticatedCaller): Promise<string> {
    const state = stateOf(caller.ctx);
    if (state?.kind !== 'session' || state.handsOutKey) return xml;
    const key = this.o.payloadKeys.wrapped(state.session);
    if (!key) return xml;
    const body = SOAP_BODY_START.exec(xml);
    if (body) {
      const open = body.index + body[0].length;
      const close = xml.lastIndexOf(`</${body[1]}Body>`);
      if (close < open) throw new DirgateError('ERR_INTERNAL', 'the answer has no SOAP Body to encrypt', { reason: 'encrypt-no-body' });
      return xml.slice(0, open) + encryptPayload(key, xml.slice(open, close).trim()) + xml.slice(close);
    }
    const declaration = XML_DECLARATION.exec(xml)?.[0] ?? '';
    return declaration.trimEnd() + encryptPayload(key, xml.slice(declaration.length).trim());
  }
}
