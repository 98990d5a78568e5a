import assert from 'node:assert/strict';
import { buildIdentity, identityExpired, parseIdentity } from '../../../src/ibe/index.js';

describe('the IBE identity string', () => {
  it('round-trips app, session, secret and expiry', () => {
    const identity = buildIdentity({ app: 'mobile-demo', sessionId: 'Zx9-_.~a', expiresAt: 1_900_000_000 });
    assert.match(identity, /^dirgate:v1:mobile-demo:Zx9-_\.~a:[A-Za-z0-9_-]{43}:1900000000$/);
    const parsed = parseIdentity(identity);
    assert.equal(parsed.app, 'mobile-demo');
    assert.equal(parsed.sessionId, 'Zx9-_.~a');
    assert.equal(parsed.expiresAt, 1_900_000_000);
    assert.equal(Buffer.from(parsed.secret, 'base64url').length, 32);
  });

  it('gives every new identity its own secret', () => {
    const a = buildIdentity({ app: 'a', sessionId: 's', expiresAt: 2_000_000_000 });
    const b = buildIdentity({ app: 'a', sessionId: 's', expiresAt: 2_000_000_000 });
    assert.notEqual(a, b);
  });

  it('refuses parts that could break the layout', () => {
    assert.throws(() => buildIdentity({ app: 'Mobile:Demo', sessionId: 's', expiresAt: 1 }), { code: 'ERR_MALFORMED_REQUEST' });
    assert.throws(() => buildIdentity({ app: 'a', sessionId: 's:t', expiresAt: 1 }), { code: 'ERR_MALFORMED_REQUEST' });
    assert.throws(() => buildIdentity({ app: 'a', sessionId: 's', secret: 'short', expiresAt: 1 }), { code: 'ERR_MALFORMED_REQUEST' });
    assert.throws(() => buildIdentity({ app: 'a', sessionId: 's', expiresAt: 1.5 }), { code: 'ERR_MALFORMED_REQUEST' });
  });

  it('refuses strings that are not identities', () => {
    for (const bad of [
      'dirgate:v2:a:s:AAAAAAAAAAAAAAAAAAAAAA:1',
      'dirgate:v1:a:s:AAAAAAAAAAAAAAAAAAAAAA:1:extra',
      'dirgate:v1:a:s:AAAAAAAAAAAAAAAAAAAAAA:0123',
      'dirgate:v1:a:s:AAAAAAAAAAAAAAAAAAAAAA:',
      `dirgate:v1:a:${'s'.repeat(600)}:AAAAAAAAAAAAAAAAAAAAAA:1`,
    ]) {
      assert.throws(() => parseIdentity(bad), { code: 'ERR_MALFORMED_REQUEST', reason: 'ibe-identity-malformed' }, bad);
    }
  });

  it('is expired from its expiry second on', () => {
    const parsed = parseIdentity(buildIdentity({ app: 'a', sessionId: 's', expiresAt: 1_000 }));
    assert.equal(identityExpired(parsed, 999_999), false);
    assert.equal(identityExpired(parsed, 1_000_000), true);
  });
});
