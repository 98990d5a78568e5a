import assert from 'node:assert/strict';
import { DirgateError } from '../../../src/errors.js';
import { checkSsoTarget, ssoCookieProblems, ssoPrefixProblem, ssoSetCookie } from '../../../src/sessions/sso.js';

const allowed = ['https://portal.example.com/', 'https://apps.example.com:8443/hr/'];

function refused(target: unknown) {
  assert.throws(() => checkSsoTarget(target, allowed), (err: unknown) =>
    err instanceof DirgateError && err.code === 'ERR_MALFORMED_REQUEST' && err.reason === 'sso-target-refused', `accepted ${String(target)}`);
}

describe('SSO hand-off targets', () => {
  it('accepts URLs under an allowed prefix and redirects to the parsed form', () => {
    assert.equal(checkSsoTarget('https://portal.example.com/', allowed).href, 'https://portal.example.com/');
    assert.equal(checkSsoTarget('https://PORTAL.example.com/a/b?x=1#top', allowed).href, 'https://portal.example.com/a/b?x=1#top');
    assert.equal(checkSsoTarget('https://portal.example.com:443/a', allowed).href, 'https://portal.example.com/a');
    assert.equal(checkSsoTarget('https://apps.example.com:8443/hr/leave', allowed).href, 'https://apps.example.com:8443/hr/leave');
  });

  it('refuses other hosts, look-alike hosts, schemes, ports and paths', () => {
    for (const target of [
      'https://evil.example/', 'https://portal.example.com.evil.example/', 'https://evilportal.example.com/',
      'http://portal.example.com/', 'javascript:alert(1)', 'data:text/html,hi', 'ftp://portal.example.com/',
      'https://portal.example.com:8443/', 'https://apps.example.com/hr/', 'https://apps.example.com:8443/hrx',
      'https://apps.example.com:8443/hr', 'https://apps.example.com:8443/hr/../admin', 'https://apps.example.com:8443/hr/%2e%2e/admin',
    ]) refused(target);
  });

  it('refuses scheme tricks, user info, backslashes, control characters and relative URLs', () => {
    for (const target of [
      '//evil.example/', '/local/path', 'https:evil.example', 'https://portal.example.com@evil.example/',
      'https://user:pass@portal.example.com/', 'https://evil.example\\@portal.example.com/', 'https://portal.example.com\\@evil.example/',
      'https:/\\evil.example', ' https://portal.example.com/', 'https://portal.example.com/\nSet-Cookie: x=y', 'https://portal.example.com/%5c..',
      'https://portal.example.com/\t', '', 'x'.repeat(3000), undefined, 42, ['https://portal.example.com/'],
    ]) refused(target);
  });

  it('checks the allow-list entries themselves', () => {
    assert.equal(ssoPrefixProblem('https://portal.example.com/'), undefined);
    assert.match(ssoPrefixProblem('https://portal.example.com')!, /normal form|end with/);
    assert.match(ssoPrefixProblem('https://portal.example.com/app')!, /end with/);
    assert.match(ssoPrefixProblem('https://u@portal.example.com/')!, /user info/);
    assert.match(ssoPrefixProblem('portal.example.com/')!, /absolute/);
    assert.match(ssoPrefixProblem('https://portal.example.com/?a=b')!, /query/);
  });
});

describe('SSO cookie', () => {
  const cookie = { name: 'opentoken', path: '/', secure: true, httpOnly: true, sameSite: 'Lax' as const };

  it('sets the OpenToken with the configured attributes', () => {
    assert.equal(ssoSetCookie('T1RLAQ+/x*', { ...cookie, domain: '.example.com' }, 299.9),
      'opentoken=T1RLAQ+/x*; Path=/; Max-Age=299; Domain=.example.com; Secure; HttpOnly; SameSite=Lax');
    assert.equal(ssoSetCookie('abc', { ...cookie, secure: false, httpOnly: false, sameSite: 'Strict' }, 10), 'opentoken=abc; Path=/; Max-Age=10; SameSite=Strict');
    assert.throws(() => ssoSetCookie('a;b', cookie, 1));
  });

  it('refuses a cookie configuration browsers would drop or misread', () => {
    assert.deepEqual(ssoCookieProblems(cookie), []);
    assert.deepEqual(ssoCookieProblems({ ...cookie, name: 'open token', domain: 'bad domain', sameSite: 'None', secure: false }), [
      'name: is not a valid cookie name', 'domain: is not a host name', 'sameSite: "None" needs secure: true (browsers drop it otherwise)',
    ]);
  });
});
