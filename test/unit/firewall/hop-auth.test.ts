import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { createHopVerifier, type HopRequest } from '../../../src/gateway/hop-auth.js';
import { HOP_HEADERS, hopSignature, newHopNonce } from '../../../src/firewall/hop-signature.js';

const SECRET = 'unit-hop-secret-0123456789';
const NOW = 1_700_000_000_000;

function signed(overrides: { secret?: string; at?: number; nonce?: string } = {}): HopRequest {
  const body = Buffer.from('<batchRequest/>');
  const headers: IncomingHttpHeaders = {
    'x-dirgate-client-ip': '198.51.100.7',
    'x-dirgate-request-id': 'req-1',
    'x-dirgate-app': 'mobile-demo',
    'x-dirgate-app-auth': 'secret',
    authorization: 'Basic YWxpY2U6cA==',
    'content-type': 'text/xml',
  };
  const timestamp = String(overrides.at ?? NOW);
  const nonce = overrides.nonce ?? newHopNonce();
  headers[HOP_HEADERS.timestamp] = timestamp;
  headers[HOP_HEADERS.nonce] = nonce;
  headers[HOP_HEADERS.signature] = hopSignature(overrides.secret ?? SECRET, {
    method: 'POST', path: '/dsml', timestamp, nonce, body, header: (n) => headers[n] as string | undefined,
  });
  return { method: 'POST', path: '/dsml', headers, body };
}

const verifier = () => createHopVerifier({ secret: SECRET, now: () => NOW });

describe('hop authentication (gateway side)', () => {
  it('accepts a request the firewall signed and returns the identity it vouches for', () => {
    const result = verifier()(signed());
    assert.deepEqual(result, { ok: true, identity: { requestId: 'req-1', clientIp: '198.51.100.7', clientCertSubject: undefined, clientCertFingerprint: undefined, appAuth: 'secret' } });
  });

  it('refuses a request without a signature as hop-unsigned', () => {
    const request = signed();
    delete request.headers[HOP_HEADERS.signature];
    assert.deepEqual(verifier()(request), { ok: false, reason: 'hop-unsigned' });
    assert.deepEqual(verifier()({ method: 'GET', path: '/dsml', headers: {}, body: Buffer.alloc(0) }), { ok: false, reason: 'hop-unsigned' });
  });

  it('refuses a signature made with another key', () => {
    assert.deepEqual(verifier()(signed({ secret: 'another-secret-0123456789' })), { ok: false, reason: 'hop-bad-signature' });
  });

  it('refuses a request whose signed identity, credentials, path or body changed after signing', () => {
    const changes: Array<(r: HopRequest) => void> = [
      (r) => { r.headers['x-dirgate-client-ip'] = '127.0.0.1'; },
      (r) => { r.headers['x-dirgate-client-cert-subject'] = 'CN=admin'; },
      (r) => { r.headers.authorization = 'Basic YWRtaW46cA=='; },
      (r) => { r.headers['x-dirgate-app'] = 'other-app'; },
      (r) => { r.path = '/spml'; },
      (r) => { r.method = 'GET'; },
      (r) => { r.body = Buffer.from('<batchRequest><delRequest dn="o=example"/></batchRequest>'); },
      (r) => { r.headers[HOP_HEADERS.timestamp] = String(NOW + 1); },
    ];
    for (const change of changes) {
      const request = signed();
      change(request);
      assert.deepEqual(verifier()(request), { ok: false, reason: 'hop-bad-signature' }, change.toString());
    }
  });

  it('refuses a correctly signed request outside the 30 s window, either way', () => {
    assert.deepEqual(verifier()(signed({ at: NOW - 30_001 })), { ok: false, reason: 'hop-stale' });
    assert.deepEqual(verifier()(signed({ at: NOW + 30_001 })), { ok: false, reason: 'hop-stale' });
    assert.equal(verifier()(signed({ at: NOW - 29_000 })).ok, true);
  });

  it('refuses the same signed request a second time as hop-replayed', () => {
    const verify = verifier();
    const request = signed();
    assert.equal(verify(request).ok, true);
    assert.deepEqual(verify(request), { ok: false, reason: 'hop-replayed' });
  });
});

describe('hop authentication configuration', () => {
  it('refuses to run with an empty or short secret, which would let anyone sign', () => {
    for (const secret of ['', 'short']) assert.throws(() => createHopVerifier({ secret }), /hopSecret/);
  });
});
