import assert from 'node:assert/strict';
import { readAuthorization } from '../../../src/gateway/sessions/credentials.js';

const basic = (text: string) => `Basic ${Buffer.from(text, 'utf8').toString('base64')}`;
const SESSION_ID = 'AbCdEfGhIjKlMnOpQrStUvWx';

describe('reading the Authorization header', () => {
  it('takes Basic sessionId:OpenToken as session credentials', () => {
    assert.deepEqual(readAuthorization(basic(`${SESSION_ID}:T1RLAQJabc*`)), { kind: 'session', sessionId: SESSION_ID, token: 'T1RLAQJabc*' });
  });

  it('takes any other Basic pair as a login name and password, the password keeping its colons', () => {
    assert.deepEqual(readAuthorization(basic('alice:pa:ss')), { kind: 'password', user: 'alice', password: 'pa:ss' });
    // A session id with a password that is no OpenToken is a (strange) login name.
    assert.deepEqual(readAuthorization(basic(`${SESSION_ID}:secret`)), { kind: 'password', user: SESSION_ID, password: 'secret' });
    assert.deepEqual(readAuthorization(basic('alice:')), { kind: 'password', user: 'alice', password: '' });
  });

  it('reads a Bearer token whatever the scheme\'s case', () => {
    assert.deepEqual(readAuthorization('bearer eyJ.x.y'), { kind: 'bearer', token: 'eyJ.x.y' });
  });

  it('sees no credentials in a missing or empty header', () => {
    assert.deepEqual(readAuthorization(undefined), { kind: 'none' });
    assert.deepEqual(readAuthorization('  '), { kind: 'none' });
  });

  it('calls malformed what it cannot read, rather than guessing', () => {
    for (const header of ['Basic', 'Basic !!!', basic('no-colon'), basic(':nouser'), 'Digest abc', 'Basic a b', ['Basic x', 'Basic y']]) {
      assert.deepEqual(readAuthorization(header), { kind: 'malformed' }, String(header));
    }
  });
});
