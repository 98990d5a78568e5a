import assert from 'node:assert/strict';
import {
  batchRequestXml, ClientCrypto, DirgateRequestError, parseBatchResponse, soapEnvelope, type DirgateClient, type DirgateSession,
  type DsmlOperation,
} from '../../../src/client/index.js';
import { encryptedDataOf } from '../../../src/client/dsml.js';
import { getAttribute } from '../../../src/directory/model.js';
import { DirgateError } from '../../../src/errors.js';
import { parseEncryptedData } from '../../../src/ibe/xml-encryption.js';
import { refusalReasons, startDeployment, type Deployment, type TestGateway } from './harness.js';

const SEARCH_BOB: DsmlOperation = { kind: 'search', baseDN: 'ou=people,o=example', scope: 'one', filter: { type: 'equality', attribute: 'uid', value: 'bob' } };

describe('encrypted search: IBE-wrapped content keys and AES-GCM payloads end to end', function () {
  this.timeout(60_000);
  let d: Deployment;
  let a: TestGateway;
  let b: TestGateway;
  let demo: DirgateClient;
  let demoB: DirgateClient;

  before(async () => {
    d = await startDeployment({ gateways: 2 });
    [a, b] = d.gateways as [TestGateway, TestGateway];
    demo = d.client('mobile-demo', a);
    demoB = d.client('mobile-demo', b);
  });
  after(() => d?.close());

  async function cryptoFor(s: DirgateSession): Promise<ClientCrypto> {
    const info = await demo.discover();
    return ClientCrypto.open({ masterPublicKey: info.ibeMasterPublicKey, gatewayIdentity: info.gatewayIdentity, identity: s.identity!, sessionKey: s.sessionKey! }, 'mcl');
  }

  /** Sends `body` with the session's credentials and asks for an encrypted answer. */
  function send(client: DirgateClient, s: DirgateSession, body: string) {
    return client.send('POST', '/dsml', { authorization: s.authorization, 'x-dirgate-encrypt': 'ibe' }, body);
  }

  it('refuses a session key that does not verify against the master public key', async () => {
    const s = await demo.loginWithPassword('alice', 'alice-pass');
    const info = await demo.discover();
    const other = await demo.loginWithPassword('carol', 'carol-pass');
    await assert.rejects(
      ClientCrypto.open({ masterPublicKey: info.ibeMasterPublicKey, gatewayIdentity: info.gatewayIdentity, identity: s.identity!, sessionKey: other.sessionKey! }, 'mcl'),
      (e: unknown) => e instanceof DirgateError && e.reason === 'session-key-invalid',
    );
    await s.logoff();
    await other.logoff();
  });

  it('logs in, searches encrypted both ways, reads the answer with the client key, logs off; then the key server and the gateway refuse', async () => {
    const s = await demo.loginWithPassword('alice', 'alice-pass');
    const crypto = await cryptoFor(s);

    // On the wire: the request is an EncryptedData to the gateway's identity, the answer one to the session's.
    const request = soapEnvelope(await crypto.encrypt(batchRequestXml([SEARCH_BOB])));
    // Markup and the base DN, which random base64 cannot spell by chance (a three-letter name can).
    for (const clear of ['searchRequest', 'equalityMatch', 'ou=people']) assert.ok(!request.includes(clear), `nothing of the request in clear: ${clear}`);
    const first = await send(demo, s, request);
    assert.equal(first.status, 200);
    assert.ok(!first.body.includes('Bob Brown'), 'nothing of the answer in clear');
    const sealed = encryptedDataOf(first.body)!;
    assert.equal(parseEncryptedData(sealed).identity, s.identity);
    const [outcome] = parseBatchResponse(await crypto.decrypt(sealed));
    assert.deepEqual(outcome?.entries.map((e) => e.dn), ['uid=bob,ou=people,o=example']);
    assert.deepEqual(getAttribute(outcome!.entries[0]!, 'cn')?.values, ['Bob Brown']);

    // The session's EncryptedKey rides on every answer, from any gateway instance; each message has its own IV.
    const second = await send(demoB, s, soapEnvelope(await crypto.encrypt(batchRequestXml([SEARCH_BOB]))));
    const p1 = parseEncryptedData(sealed);
    const p2 = parseEncryptedData(encryptedDataOf(second.body)!);
    assert.deepEqual(p2.encryptedKey, p1.encryptedKey);
    assert.notDeepEqual(p2.sealed.subarray(0, 12), p1.sealed.subarray(0, 12));
    assert.equal(parseBatchResponse(await crypto.decrypt(encryptedDataOf(second.body)!))[0]?.entries.length, 1);

    // The SDK does the same in one call; a request in clear may ask for an encrypted answer too.
    assert.deepEqual((await s.search('ou=people,o=example', { scope: 'one', filter: SEARCH_BOB.filter, encrypt: true })).map((e) => e.dn), ['uid=bob,ou=people,o=example']);
    const askOnly = await send(demo, s, soapEnvelope(batchRequestXml([SEARCH_BOB])));
    assert.ok(encryptedDataOf(askOnly.body), 'the answer is encrypted when asked');

    const identity = s.identity!;
    await s.logoff();
    await assert.rejects(d.keys.extract(identity), (e: unknown) => e instanceof DirgateError && e.reason === 'identity-revoked');
    const from = d.logs.length;
    const after = await send(demo, s, soapEnvelope(await crypto.encrypt(batchRequestXml([SEARCH_BOB]))));
    assert.notEqual(after.status, 200, 'no answer for a session that is gone');
    assert.deepEqual(refusalReasons(d.logs, from), ['session-unknown']);
    assert.ok(!d.logs.slice(from).some((l) => l.message === 'encrypted request refused'), 'refused before any decryption');
  });

  it('refuses a replayed encrypted request and one encrypted to another identity', async () => {
    const s = await demo.loginWithPassword('bob', 'bob-pass');
    const crypto = await cryptoFor(s);
    const request = soapEnvelope(await crypto.encrypt(batchRequestXml([SEARCH_BOB])));
    assert.equal((await send(demo, s, request)).status, 200);
    let from = d.logs.length;
    const replay = await send(demo, s, request);
    assert.equal(replay.status, 400);
    assert.match(replay.body, /<faultstring>the payload could not be decrypted<\/faultstring>/);
    assert.ok(d.logs.slice(from).some((l) => l.message === 'encrypted request refused' && l.reason === 'payload-replayed'));

    // Encrypted to the session's own identity instead of the gateway's: refused before any pairing.
    const info = await demo.discover();
    const wrong = await ClientCrypto.open({ masterPublicKey: info.ibeMasterPublicKey, gatewayIdentity: s.identity!, identity: s.identity!, sessionKey: s.sessionKey! }, 'mcl');
    from = d.logs.length;
    const misdirected = await send(demo, s, soapEnvelope(await wrong.encrypt(batchRequestXml([SEARCH_BOB]))));
    assert.equal(misdirected.status, 400);
    assert.ok(d.logs.slice(from).some((l) => l.reason === 'payload-identity-mismatch'));
    await s.logoff();
  });

  it('leaves answers in clear while the session has no key (MFA outstanding)', async () => {
    const secure = d.client('mobile-secure', a);
    try {
      const s = await secure.loginWithPassword('bob', 'bob-pass');
      const answer = await send(secure, s, soapEnvelope(batchRequestXml([{ kind: 'search', baseDN: s.dn }])));
      assert.equal(encryptedDataOf(answer.body), undefined);
      assert.equal(parseBatchResponse(answer.body)[0]?.entries.length, 1);
      await assert.rejects(s.search('ou=people,o=example', { encrypt: true }), DirgateRequestError);
      await s.logoff();
    } finally {
      await secure.close();
    }
  });
});
