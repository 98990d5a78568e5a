import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as OTPAuth from 'otpauth';
import type { DirgateClient } from '../../../src/client/index.js';
import { refusalReasons, refusedWith, startDeployment, type Deployment } from './harness.js';

const run = promisify(execFile);

/** bob's code at `ms`, from an independent generator (Debian's oathtool). */
async function oathtool(ms: number): Promise<string> {
  const when = new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
  const { stdout } = await run('oathtool', ['--totp', '-b', '--now', `${when} UTC`, 'JBSWY3DPEHPK3PXP']);
  return stdout.trim();
}

const TOTP_QUERY = { typeId: 'MFA', provider: 'dirgate', format: 'numeric', minLength: 6, maxLength: 6 };

describe('TOTP required (mobile-secure): sessions start partially authenticated', function () {
  this.timeout(60_000);
  let d: Deployment;
  let secure: DirgateClient;

  before(async () => {
    d = await startDeployment({ gateways: 1 });
    secure = d.client('mobile-secure');
  });
  after(() => d?.close());

  it('leaves bob\'s fresh session owing TOTP: no key, and nothing but the query, enrolment, heartbeat and logoff', async () => {
    assert.equal((await secure.discover()).mfa, 'totp');
    const s = await secure.loginWithPassword('bob', 'bob-pass');
    assert.deepEqual(s.authQueries, [TOTP_QUERY]);
    assert.equal(s.sessionKey, undefined);
    assert.equal(s.identity, undefined);
    await refusedWith(s.search('ou=people,o=example', { scope: 'one' }), 'strongAuthRequired');
    await refusedWith(s.whoami(), 'strongAuthRequired');
    await refusedWith(s.modify('uid=bob,ou=people,o=example', [{ operation: 'replace', attribute: { type: 'telephoneNumber', values: ['+1 555 0199'] } }]), 'strongAuthRequired');
    await s.heartbeat();
    assert.ok(s.mfaPending, 'a heartbeat keeps it pending');
    assert.equal((await s.mfaStatus()).isVerified, true, 'bob\'s imported enrolment');
    await s.logoff();
  });

  it('refuses a wrong code, accepts oathtool\'s, then hands out the key; the same code never works twice', async () => {
    d.clock.advance(30);
    const s = await secure.loginWithPassword('bob', 'bob-pass');
    const from = d.logs.length;
    await refusedWith(s.answerTotp('000000'), 'authenticationFailed');
    const code = await oathtool(d.clock.now);
    await s.answerTotp(code);
    assert.equal(s.mfaPending, false);
    assert.equal(Buffer.from(s.sessionKey!, 'base64').length, 48, 'the heartbeat after MFA carries the key (verified by the client)');
    const [bob] = await s.search('ou=people,o=example', { scope: 'one', filter: { type: 'equality', attribute: 'uid', value: 'bob' } });
    assert.equal(bob?.dn, 'uid=bob,ou=people,o=example');

    const again = await secure.loginWithPassword('bob', 'bob-pass');
    await refusedWith(again.answerTotp(code), 'authenticationFailed');
    assert.ok(d.logs.slice(from).some((l) => l.reason === 'totp-invalid'));
    assert.ok(d.logs.slice(from).some((l) => l.reason === 'totp-replayed'));
    await refusedWith(s.answerTotp(code), 'unwillingToPerform');
    await again.logoff();
    await s.logoff();
    assert.deepEqual(refusalReasons(d.logs, from), []);
  });

  it('lets alice, not enrolled, enrol while pending; verifying the enrolment completes the session', async () => {
    d.clock.advance(60);
    const s = await secure.loginWithPassword('alice', 'alice-pass');
    await refusedWith(s.answerTotp('123456'), 'unwillingToPerform');
    const { otpauthUri, recoveryCodes } = await s.enrollTotp();
    assert.match(otpauthUri, /^otpauth:\/\/totp\//);
    assert.equal(recoveryCodes.length, 10);
    const status = await s.mfaStatus();
    assert.deepEqual([status.isVerified, status.otpauthUri, status.recoveryCodes], [false, otpauthUri, recoveryCodes]);
    await refusedWith(s.removeTotp(), 'strongAuthRequired');
    const totp = OTPAuth.URI.parse(otpauthUri) as OTPAuth.TOTP;
    await s.verifyTotpEnrollment(totp.generate({ timestamp: d.clock.now }));
    assert.equal(s.mfaPending, false);
    assert.ok(s.sessionKey);
    const verified = await s.mfaStatus();
    assert.deepEqual([verified.isVerified, verified.otpauthUri, verified.recoveryCodes], [true, undefined, []], 'codes are shown only until verified');

    // A recovery code answers the query once.
    const next = await secure.loginWithPassword('alice', 'alice-pass');
    await next.answerTotp(recoveryCodes[0]!);
    assert.equal(next.mfaPending, false);
    const third = await secure.loginWithPassword('alice', 'alice-pass');
    await refusedWith(third.answerTotp(recoveryCodes[0]!), 'authenticationFailed');

    await s.removeTotp();
    await refusedWith(s.mfaStatus(), 'noSuchObject');
    for (const x of [s, next, third]) await x.logoff();
  });
});
