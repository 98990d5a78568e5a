import assert from 'node:assert/strict';
import { DirgateError } from '../../../src/errors.js';
import { ClientCrypto } from '../../../src/client/crypto.js';
import { inlineIbe } from '../../../src/ibe/envelope.js';
import { loadIbe, type Ibe } from '../../../src/ibe/ibe.js';
import { ContentKeyCache, ReplayGuard } from '../../../src/ibe/session-keys.js';
import { parseEncryptedData } from '../../../src/ibe/xml-encryption.js';
import type { AuthenticatedCaller } from '../../../src/gateway/caller.js';
import { attachState, type GatewaySession } from '../../../src/gateway/sessions/caller-state.js';
import { ApplicationRegistry } from '../../../src/gateway/sessions/applications.js';
import { GatewayIdentities } from '../../../src/gateway/sessions/gateway-identity.js';
import { IbePayloadCrypto } from '../../../src/gateway/sessions/payload-crypto.js';
import { PayloadKeys } from '../../../src/gateway/sessions/payload-keys.js';
import { OpenTokenCodec } from '../../../src/sessions/opentoken.js';
import { Sealer } from '../../../src/sessions/seal.js';
import { SessionStore, sessionIbeIdentity } from '../../../src/sessions/store.js';
import { startEmbeddedProfile, type EmbeddedProfile } from '../../helpers/embedded-profile.js';

const T0 = Date.UTC(2030, 0, 1, 9);
const BATCH = '<batchRequest xmlns="urn:oasis:names:tc:DSML:2:0:core"><searchRequest dn="o=example" scope="baseObject" derefAliases="neverDerefAliases"><filter><present name="objectClass"/></filter></searchRequest></batchRequest>';
const ANSWER = '<batchResponse xmlns="urn:oasis:names:tc:DSML:2:0:core"><searchResponse><searchResultDone><resultCode code="0"/></searchResultDone></searchResponse></batchResponse>';
const soap = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${inner}</soap:Body></soap:Envelope>`;

function refused(reason: string) {
  return (e: unknown) => e instanceof DirgateError && e.code === 'ERR_DECRYPTION_FAILED' && e.reason === reason;
}

// The real IBE (mcl backend, on this thread), a master key made here, sessions in
// the extended profile on the embedded directory.
describe('payload crypto at the gateway', () => {
  let ibe: Ibe;
  let masterSecret: Uint8Array;
  let masterPublicKey: Uint8Array;
  let sessions: SessionStore;
  let crypto: IbePayloadCrypto;
  let identities: GatewayIdentities;
  let payloadKeys: PayloadKeys;
  let directory: EmbeddedProfile;
  const app = new ApplicationRegistry([{ id: 'mobile-demo' }]).get('mobile-demo')!;
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

  before(async () => {
    directory = await startEmbeddedProfile();
    ibe = await loadIbe('mcl');
    ({ masterSecret, masterPublicKey } = ibe.setup());
    const extract = async (identity: string) => b64(ibe.extract(masterSecret, identity));
    sessions = new SessionStore({
      entries: directory.entries(), codec: new OpenTokenCodec({ password: 'pw' }), sealer: new Sealer('pw', 'token'), clock: () => T0,
    });
    identities = new GatewayIdentities({ secret: 'pw', clock: () => T0, extract });
    payloadKeys = new PayloadKeys({ sessions, ibe: inlineIbe(ibe), masterPublicKey: async () => masterPublicKey, sealer: new Sealer('pw', 'payload') });
    crypto = new IbePayloadCrypto({ identities, payloadKeys, ibe: inlineIbe(ibe), cache: new ContentKeyCache(), replay: new ReplayGuard() });
  });
  after(async () => { await directory?.close(); });

  /** A logged-in session with its key, as the caller the authenticator would make of it, and the client's end. */
  async function session(options: { mfaPending?: boolean } = {}) {
    const { session: created, token } = await sessions.create({ user: 'uid=alice,ou=people,o=example', app: 'mobile-demo', idleTimeout: 900, maxLifetime: 3600, mfaRequired: !!options.mfaPending });
    const identity = sessionIbeIdentity(created);
    const sessionKey = b64(ibe.extract(masterSecret, identity));
    const s: GatewaySession = options.mfaPending ? created : await payloadKeys.establish(created, identity, sessionKey, created.expiresAt);
    const principal = { dn: s.user, appId: 'mobile-demo' };
    attachState(principal, { kind: 'session', app, session: s, token });
    const caller: AuthenticatedCaller = { ctx: { requestId: 't', principal }, anonymous: false, headers: {}, sessionId: s.id, encryptionRequired: false };
    const client = await ClientCrypto.open({ masterPublicKey: b64(masterPublicKey), gatewayIdentity: identities.current(), identity, sessionKey }, 'mcl');
    return { s, caller, client };
  }

  it('encrypts the SOAP Body\'s answer to the session, and the client reads it; a bare answer likewise', async () => {
    const { caller, client } = await session();
    const wrapped = await crypto.encryptResponse(soap(ANSWER), caller);
    assert.ok(wrapped.startsWith('<?xml version="1.0" encoding="UTF-8"?><soap:Envelope'));
    const inner = /<soap:Body>(.*)<\/soap:Body>/.exec(wrapped)![1]!;
    assert.equal(await client.decrypt(inner), ANSWER);
    const bare = await crypto.encryptResponse(`<?xml version="1.0" encoding="UTF-8"?>${ANSWER}`, caller);
    assert.ok(bare.startsWith('<?xml version="1.0" encoding="UTF-8"?><xenc:EncryptedData'));
    assert.equal(await client.decrypt(bare.slice(bare.indexOf('<xenc:'))), ANSWER);
    // One EncryptedKey per session, a fresh IV per message.
    const a = parseEncryptedData(inner);
    const b = parseEncryptedData(bare.slice(bare.indexOf('<xenc:')));
    assert.deepEqual(a.encryptedKey, b.encryptedKey);
    assert.notDeepEqual(a.sealed.subarray(0, 12), b.sealed.subarray(0, 12));
  });

  it('decrypts a request encrypted to the gateway in place, once', async () => {
    const { caller, client } = await session();
    const body = Buffer.from(soap(await client.encrypt(BATCH)));
    assert.equal(crypto.isEncrypted(body), true);
    assert.equal(crypto.isEncrypted(Buffer.from(soap(BATCH))), false);
    assert.equal((await crypto.decryptRequest(body, caller)).toString('utf8'), soap(BATCH));
    await assert.rejects(crypto.decryptRequest(body, caller), refused('payload-replayed'));
  });

  it('refuses a request of one session presented by another, and a tampered one', async () => {
    const first = await session();
    const second = await session();
    const body = Buffer.from(soap(await first.client.encrypt(BATCH)));
    await crypto.decryptRequest(body, first.caller);
    const next = Buffer.from(soap(await first.client.encrypt(BATCH)));
    await assert.rejects(crypto.decryptRequest(next, second.caller), refused('encrypted-key-other-session'));
    const text = soap(await first.client.encrypt(BATCH));
    const cipher = /<\/xenc:CipherValue><\/xenc:CipherData><\/xenc:EncryptedKey>.*<xenc:CipherValue>([^<]+)</.exec(text)![1]!;
    const bytes = Buffer.from(cipher, 'base64');
    bytes[20] ^= 1;
    await assert.rejects(crypto.decryptRequest(Buffer.from(text.replace(cipher, bytes.toString('base64'))), first.caller), refused('payload-authentication-failed'));
  });

  it('leaves answers in clear while the session has no key, and the one that hands the key out', async () => {
    const pending = await session({ mfaPending: true });
    assert.equal(await crypto.encryptResponse(soap(ANSWER), pending.caller), soap(ANSWER));
    await assert.rejects(crypto.decryptRequest(Buffer.from(soap(await pending.client.encrypt(BATCH))), pending.caller), refused('mfa-pending'));
    const { caller } = await session();
    const principal = caller.ctx.principal;
    const state = { kind: 'session' as const, app, session: (await sessions.get(caller.sessionId!)) as GatewaySession, token: 'x', handsOutKey: true };
    attachState(principal, state);
    assert.equal(await crypto.encryptResponse(soap(ANSWER), caller), soap(ANSWER));
  });

  it('decrypts nothing for a caller without a session', async () => {
    const { client } = await session();
    const principal = { appId: 'mobile-demo' };
    attachState(principal, { kind: 'anonymous', app });
    const caller: AuthenticatedCaller = { ctx: { requestId: 't', principal }, anonymous: true, headers: {}, encryptionRequired: false };
    await assert.rejects(crypto.decryptRequest(Buffer.from(soap(await client.encrypt(BATCH))), caller), refused('payload-without-session'));
  });
});
