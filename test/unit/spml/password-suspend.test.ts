import assert from 'node:assert/strict';
import { Client } from 'ldapts';
import { spmlOnSlapd } from './helpers/on-slapd.js';
import { attr, createHarness, find, one, statusOf, type Harness } from './helpers/harness.js';
import { getAttribute, type Entry } from '../../../src/directory/model.js';
import { isSuspended } from '../../../src/spml/suspended.js';

async function canBind(url: string, dn: string, password: string): Promise<boolean> {
  const c = new Client({ url });
  try {
    await c.bind(dn, password);
    return true;
  } catch {
    return false;
  } finally {
    await c.unbind().catch(() => undefined);
  }
}

const BOB = 'uid=bob,ou=people,o=example';
const psoID = (dn = BOB) => `<spml:psoID ID="${dn}"/>`;

describe('SPML password and suspend capabilities against slapd', function () {
  this.timeout(20000);
  const ldap = spmlOnSlapd();
  let h: Harness;

  beforeEach(() => {
    h = createHarness(ldap.directory);
  });

  it('sets a password the policy accepts, so the user can bind with it, and audits it without the value', async () => {
    const res = await h.call(`<pass:setPasswordRequest requestID="p1">${psoID()}<pass:password>Fresh-Pass-2024</pass:password></pass:setPasswordRequest>`);
    assert.equal(res.local, 'setPasswordResponse');
    assert.equal(attr(res, 'status'), 'success', JSON.stringify(statusOf(res)));
    assert.ok(await canBind(ldap.slapd.url, BOB, 'Fresh-Pass-2024'));
    assert.ok(!(await canBind(ldap.slapd.url, BOB, 'bob-pass')));
    const stored = String(getAttribute((await ldap.readAsAdmin(BOB))!, 'userPassword')!.values[0]);
    assert.match(stored, /^\{SSHA\}/, 'the policy overlay hashed the clear text');
    assert.deepEqual(h.audit.map((e) => [e.operation, e.outcome, e.attributes]), [['setPassword', 'success', ['userPassword']]]);
    assert.ok(!JSON.stringify(h.audit).includes('Fresh-Pass-2024'));
  });

  it('passes on the password policy refusal of a short password and leaves the old one', async () => {
    const res = await h.call(`<pass:setPasswordRequest>${psoID()}<pass:password>abc</pass:password></pass:setPasswordRequest>`);
    assert.deepEqual([attr(res, 'status'), attr(res, 'error')], ['failure', 'customError']);
    // The LDAP connector never passes on the server's diagnostic text (slapd's "Password fails quality checking"), only the mapped result.
    assert.equal(statusOf(res).messages[0], 'constraint violation');
    assert.ok(await canBind(ldap.slapd.url, BOB, 'Fresh-Pass-2024'));
    assert.ok(!res.children.some((c) => c.text.includes('abc')));
  });

  it('checks currentPassword before changing it', async () => {
    const wrong = await h.call(`<pass:setPasswordRequest>${psoID()}<pass:password>Other-Pass-2024</pass:password><pass:currentPassword>nope-nope</pass:currentPassword></pass:setPasswordRequest>`);
    assert.deepEqual([attr(wrong, 'status'), attr(wrong, 'error')], ['failure', 'customError']);
    assert.ok(await canBind(ldap.slapd.url, BOB, 'Fresh-Pass-2024'));
    const right = await h.call(`<pass:setPasswordRequest>${psoID()}<pass:password>Other-Pass-2024</pass:password><pass:currentPassword>Fresh-Pass-2024</pass:currentPassword></pass:setPasswordRequest>`);
    assert.equal(attr(right, 'status'), 'success');
    assert.ok(await canBind(ldap.slapd.url, BOB, 'Other-Pass-2024'));
  });

  it('validates a password by binding: valid for the current one, not valid otherwise', async () => {
    const yes = await h.call(`<pass:validatePasswordRequest>${psoID()}<pass:password>Other-Pass-2024</pass:password></pass:validatePasswordRequest>`);
    assert.deepEqual([attr(yes, 'status'), attr(yes, 'valid')], ['success', 'true']);
    const no = await h.call(`<pass:validatePasswordRequest>${psoID()}<pass:password>guess</pass:password></pass:validatePasswordRequest>`);
    assert.deepEqual([attr(no, 'status'), attr(no, 'valid')], ['success', 'false']);
    assert.equal(h.audit.length, 0, 'validating changes nothing');
  });

  it('resets a password to a generated one that is returned once and works', async () => {
    const res = await h.call(`<pass:resetPasswordRequest>${psoID()}</pass:resetPasswordRequest>`);
    assert.equal(attr(res, 'status'), 'success', JSON.stringify(statusOf(res)));
    const generated = one(res, 'password').text;
    assert.equal(generated.length, 20);
    assert.ok(await canBind(ldap.slapd.url, BOB, generated));
    assert.ok(!JSON.stringify(h.audit).includes(generated));
    const lookup = await h.call(`<spml:lookupRequest>${psoID()}</spml:lookupRequest>`);
    assert.ok(!find(lookup, 'attr').some((a) => attr(a, 'name')!.toLowerCase() === 'userpassword'));
  });

  it('expires a password by writing the configured pwdReset', async () => {
    const res = await h.call(`<pass:expirePasswordRequest remainingLogins="1">${psoID()}</pass:expirePasswordRequest>`);
    assert.equal(attr(res, 'status'), 'success', JSON.stringify(statusOf(res)));
    assert.deepEqual(getAttribute((await ldap.readAsAdmin(BOB, ['pwdReset']))!, 'pwdReset')!.values, ['TRUE']);
  });

  it('refuses password operations on a target that does not offer them', async () => {
    const res = await h.call(`<pass:resetPasswordRequest>${psoID('cn=staff,ou=groups,o=example')}</pass:resetPasswordRequest>`);
    assert.deepEqual([attr(res, 'status'), attr(res, 'error')], ['failure', 'unsupportedOperation']);
  });

  it('suspends, reports inactive, is found by isActive, and resumes', async () => {
    const active0 = await h.call(`<spmlsuspend:activeRequest>${psoID()}</spmlsuspend:activeRequest>`);
    assert.equal(attr(active0, 'active'), 'true');
    const s = await h.call(`<spmlsuspend:suspendRequest>${psoID()}</spmlsuspend:suspendRequest>`);
    assert.equal(attr(s, 'status'), 'success', JSON.stringify(statusOf(s)));
    const again = await h.call(`<spmlsuspend:suspendRequest>${psoID()}</spmlsuspend:suspendRequest>`);
    assert.equal(attr(again, 'status'), 'success', 'suspending twice is harmless');
    const stored = (await ldap.readAsAdmin(BOB))!;
    assert.deepEqual(getAttribute(stored, 'employeeType')!.values, ['dirgate-suspended']);
    assert.equal(attr(await h.call(`<spmlsuspend:activeRequest>${psoID()}</spmlsuspend:activeRequest>`), 'active'), 'false');

    const activeOnes = await h.call(`<spmlsearch:searchRequest returnData="identifier"><spmlsearch:query targetID="people"><spmlsuspend:isActive/></spmlsearch:query></spmlsearch:searchRequest>`);
    const ids = find(activeOnes, 'psoID').map((p) => attr(p, 'ID'));
    const bobId = attr(one(await h.call(`<spml:lookupRequest returnData="identifier">${psoID()}</spml:lookupRequest>`), 'psoID'), 'ID');
    assert.ok(!ids.includes(bobId));
    assert.ok(ids.length >= 2);

    const r = await h.call(`<spmlsuspend:resumeRequest>${psoID()}</spmlsuspend:resumeRequest>`);
    assert.equal(attr(r, 'status'), 'success');
    assert.equal(getAttribute((await ldap.readAsAdmin(BOB))!, 'employeeType'), undefined);
    assert.equal(attr(await h.call(`<spmlsuspend:resumeRequest>${psoID()}</spmlsuspend:resumeRequest>`), 'status'), 'success', 'resuming twice is harmless');
    assert.deepEqual(h.audit.map((e) => `${e.operation}:${e.outcome}`), ['suspend:success', 'suspend:success', 'resume:success', 'resume:success']);
  });

  it('refuses a future effectiveDate and accepts a past one', async () => {
    const future = await h.call(`<spmlsuspend:suspendRequest effectiveDate="2999-01-01T00:00:00Z">${psoID()}</spmlsuspend:suspendRequest>`);
    assert.equal(attr(future, 'error'), 'unsupportedOperation');
    const past = await h.call(`<spmlsuspend:suspendRequest effectiveDate="2000-01-01T00:00:00Z">${psoID()}</spmlsuspend:suspendRequest>`);
    assert.equal(attr(past, 'status'), 'success');
    await h.call(`<spmlsuspend:resumeRequest>${psoID()}</spmlsuspend:resumeRequest>`);
  });
});

describe('isSuspended', () => {
  const target = { suspend: { attribute: 'employeeType', value: 'dirgate-suspended' } };
  const entry = (values: Array<string | Buffer>): Entry => ({ dn: 'uid=x', attributes: [{ type: 'EmployeeType', values }] });

  it('is true when the attribute holds the value in any case, among others', () => {
    assert.equal(isSuspended(entry(['contractor', 'DIRGATE-Suspended']), target), true);
    assert.equal(isSuspended(entry([Buffer.from('dirgate-suspended')]), target), true);
  });

  it('is false without the value, and for a target that cannot suspend', () => {
    assert.equal(isSuspended(entry(['contractor']), target), false);
    assert.equal(isSuspended({ dn: 'uid=x', attributes: [] }, target), false);
    assert.equal(isSuspended(entry(['dirgate-suspended']), {}), false);
  });
});
