import assert from 'node:assert/strict';
import { DirgateError } from '../../../src/errors.js';
import { parseIdentity } from '../../../src/ibe/identity.js';
import { GatewayIdentities } from '../../../src/gateway/sessions/gateway-identity.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2030, 0, 1, 9);

function refused(reason: string) {
  return (e: unknown) => e instanceof DirgateError && e.code === 'ERR_DECRYPTION_FAILED' && e.reason === reason;
}

describe('the gateway\'s own IBE identity', () => {
  let now = T0;
  const extracted: string[] = [];
  const make = (secret = 'deployment-secret') => new GatewayIdentities({
    secret, clock: () => now, extract: async (identity) => { extracted.push(identity); return Buffer.alloc(48, extracted.length).toString('base64'); },
  });
  beforeEach(() => { now = T0; extracted.length = 0; });

  it('is the same on every process of the deployment, and another deployment\'s differs', () => {
    assert.equal(make().current(), make().current());
    assert.notEqual(make().current(), make('another-secret').current());
  });

  it('changes each period and stays valid for two, so one handed out lasts at least a full period', () => {
    const ids = make();
    const first = ids.current();
    const parsed = parseIdentity(first);
    assert.equal(parsed.app, 'dirgate-gateway');
    assert.equal(parsed.expiresAt * 1000, (Math.floor(T0 / DAY) + 2) * DAY);
    now += DAY;
    assert.notEqual(ids.current(), first);
    ids.check(first);
    now += DAY;
    assert.throws(() => ids.check(first), refused('payload-identity-expired'));
  });

  it('refuses identities it did not make: other applications, forged secrets, future periods', () => {
    const ids = make();
    const mine = parseIdentity(ids.current());
    const forged = `dirgate:v1:dirgate-gateway:${mine.sessionId}:${'A'.repeat(43)}:${mine.expiresAt}`;
    assert.throws(() => ids.check(forged), refused('payload-identity-mismatch'));
    assert.throws(() => ids.check(`dirgate:v1:mobile-demo:${mine.sessionId}:${mine.secret}:${mine.expiresAt}`), refused('payload-identity-mismatch'));
    const future = parseIdentity(make().current());
    now -= DAY;
    assert.throws(() => ids.check(`dirgate:v1:dirgate-gateway:${future.sessionId}:${future.secret}:${future.expiresAt}`), refused('payload-identity-expired'));
    assert.throws(() => ids.check('not an identity'), refused('payload-identity-mismatch'));
  });

  it('extracts each identity\'s key once, and again only for a new identity', async () => {
    const ids = make();
    const a = ids.current();
    const [k1, k2] = await Promise.all([ids.key(a), ids.key(a)]);
    assert.deepEqual(k1, k2);
    now += DAY;
    await ids.key(ids.current());
    assert.deepEqual(extracted, [a, ids.current()]);
  });

  it('does not keep a failed extraction', async () => {
    let fail = true;
    const ids = new GatewayIdentities({
      secret: 's', clock: () => now,
      extract: async () => { if (fail) throw new DirgateError('ERR_INTERNAL', 'key server down'); return Buffer.alloc(48).toString('base64'); },
    });
    await assert.rejects(ids.key(ids.current()));
    fail = false;
    assert.equal((await ids.key(ids.current())).length, 48);
  });
});
