import assert from 'node:assert/strict';
import { readCredentials } from '../../../src/firewall/credentials.js';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('credentials as the rate limits see them', () => {
  it('takes the Basic user name as principal and a password as a login attempt', () => {
    assert.deepEqual(readCredentials(basic('alice', 'alice-pass'), undefined), { kind: 'basic', principal: 'alice', presentsPassword: true });
  });

  it('recognizes a session token (an OpenToken) as not a password', () => {
    const c = readCredentials(basic('3q2-7w', 'T1RLAQJ2ZXJ5LXNlc3Npb24'), undefined);
    assert.equal(c.principal, '3q2-7w');
    assert.equal(c.presentsPassword, false);
  });

  it('takes the sub of a Bearer token without trusting it for anything else', () => {
    const jwt = `e30.${Buffer.from(JSON.stringify({ sub: 'bob' })).toString('base64url')}.sig`;
    assert.deepEqual(readCredentials(`Bearer ${jwt}`, undefined), { kind: 'bearer', principal: 'jwt:bob', presentsPassword: false });
    assert.equal(readCredentials('Bearer garbage', undefined).principal, 'jwt:?');
  });

  it('falls back to the verified certificate subject, then to nobody', () => {
    assert.equal(readCredentials(undefined, 'CN=app').principal, 'cert:CN=app');
    assert.deepEqual(readCredentials(undefined, undefined), { kind: 'none', presentsPassword: false });
  });
});
