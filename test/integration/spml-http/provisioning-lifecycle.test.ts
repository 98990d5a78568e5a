/**
 * A new person's whole life through POST /spml, end to end over HTTP against
 * two real slapd servers (corp and hr, joined on mail): the demo's `admin`
 * provisions, sets a password, suspends, resumes and deletes; the new user
 * logs in on the mobile app in between. After every write the sources are
 * read directly to see where each attribute landed.
 */
import assert from 'node:assert/strict';
import { corpPerson, hrPerson, readSource, sourceStrings } from '../dsml/dsml-client.js';
import { startDsmlSystem, type DsmlSystem } from '../dsml/system.js';
import {
  dataXml, envelope, failedWith, login, postSpml, psoIdXml, psosOf, SUSPEND_NS, succeeded, type Credentials,
} from './spml-client.js';

describe('SPML provisioning lifecycle over HTTP (two slapd sources)', function () {
  this.timeout(60_000);
  let system: DsmlSystem;
  let admin: Credentials;

  before(async () => {
    system = await startDsmlSystem({ directory: 'slapd' });
    // The admin works in a session, as the mobile app would after its login.
    const session = await login(system, 'admin', 'admin-pass');
    assert.ok('sessionId' in session, `admin's login was refused: ${JSON.stringify(session)}`);
    admin = { user: session.sessionId, secret: session.sessionToken };
  });
  after(async () => { await system?.close(); });

  it('provisions a person into both sources, lets them log in, suspends, resumes and deletes them', async () => {
    const corp = await system.source('corp');
    const hr = await system.source('hr');
    const mail = 'frank@corp.example';

    // addRequest: corp attributes and hr attributes in one PSO.
    const added = succeeded(await postSpml(system, admin, envelope(
      `<spml:addRequest %NS% requestID="add-frank" targetID="people" returnData="identifier">${dataXml({
        objectClass: ['inetOrgPerson'], uid: ['frank'], cn: ['Frank Field'], sn: ['Field'], mail: [mail],
        telephoneNumber: ['+1 555 0101'], title: ['Field Engineer'], employeeNumber: ['E-4242'], departmentNumber: ['17'],
      })}</spml:addRequest>`)), 'addResponse');
    const [pso] = psosOf(added.el);
    assert.ok(pso, 'the addResponse carries the new PSO');
    assert.equal(pso.target, 'people');
    const psoId = pso.id;

    assert.deepEqual(await sourceStrings(corp, corpPerson('frank'), 'cn'), ['Frank Field']);
    assert.deepEqual(await sourceStrings(corp, corpPerson('frank'), 'mail'), [mail]);
    assert.deepEqual(await sourceStrings(corp, corpPerson('frank'), 'telephoneNumber'), ['+1 555 0101']);
    assert.deepEqual(await sourceStrings(hr, hrPerson(mail), 'title'), ['Field Engineer']);
    assert.deepEqual(await sourceStrings(hr, hrPerson(mail), 'employeeNumber'), ['E-4242']);
    assert.deepEqual(await sourceStrings(hr, hrPerson(mail), 'departmentNumber'), ['17']);
    // hr's attributes stay in hr.
    assert.deepEqual(await sourceStrings(corp, corpPerson('frank'), 'title'), []);

    // No password yet: no login.
    assert.ok('refused' in await login(system, 'frank', 'Frank-Pass-2030!'));

    succeeded(await postSpml(system, admin, envelope(
      `<spmlpass:setPasswordRequest %NS% requestID="pw">${psoIdXml(psoId)}<spmlpass:password>Frank-Pass-2030!</spmlpass:password></spmlpass:setPasswordRequest>`)),
    'setPasswordResponse');
    assert.equal((await readSource(corp, corpPerson('frank'), ['userPassword']))?.get('userpassword')?.length, 1, 'corp holds the password');

    const first = await login(system, 'frank', 'Frank-Pass-2030!');
    assert.ok('sessionId' in first, `frank's login was refused: ${JSON.stringify(first)}`);

    // suspendRequest: the marker lands in corp, the login is refused, activeRequest says inactive.
    succeeded(await postSpml(system, admin, envelope(`<spmlsuspend:suspendRequest %NS% requestID="sus">${psoIdXml(psoId)}</spmlsuspend:suspendRequest>`)), 'suspendResponse');
    assert.ok((await sourceStrings(corp, corpPerson('frank'), 'employeeType'))?.includes('dirgate-suspended'));
    assert.deepEqual(await login(system, 'frank', 'Frank-Pass-2030!'), { refused: 'authenticationFailed' });
    const inactive = succeeded(await postSpml(system, admin, envelope(`<spmlsuspend:activeRequest %NS% requestID="act1">${psoIdXml(psoId)}</spmlsuspend:activeRequest>`)), 'activeResponse');
    assert.equal(inactive.el.ns, SUSPEND_NS);
    assert.equal(inactive.el.attrs.get('active'), 'false');

    // resumeRequest: the marker goes, the login works again.
    succeeded(await postSpml(system, admin, envelope(`<spmlsuspend:resumeRequest %NS% requestID="res">${psoIdXml(psoId)}</spmlsuspend:resumeRequest>`)), 'resumeResponse');
    assert.ok(!(await sourceStrings(corp, corpPerson('frank'), 'employeeType'))?.includes('dirgate-suspended'));
    const active = succeeded(await postSpml(system, admin, envelope(`<spmlsuspend:activeRequest %NS% requestID="act2">${psoIdXml(psoId)}</spmlsuspend:activeRequest>`)), 'activeResponse');
    assert.equal(active.el.attrs.get('active'), 'true');
    const again = await login(system, 'frank', 'Frank-Pass-2030!');
    assert.ok('sessionId' in again, `frank's login after resume was refused: ${JSON.stringify(again)}`);

    // deleteRequest: gone from both sources, and the psoID no longer names anything.
    succeeded(await postSpml(system, admin, envelope(`<spml:deleteRequest %NS% requestID="del">${psoIdXml(psoId)}</spml:deleteRequest>`)), 'deleteResponse');
    assert.equal(await readSource(corp, corpPerson('frank')), undefined);
    assert.equal(await readSource(hr, hrPerson(mail)), undefined);
    failedWith(await postSpml(system, admin, envelope(`<spml:lookupRequest %NS% requestID="gone">${psoIdXml(psoId)}</spml:lookupRequest>`)), 'lookupResponse', 'noSuchIdentifier');
    assert.deepEqual(await login(system, 'frank', 'Frank-Pass-2030!'), { refused: 'authenticationFailed' });
  });
});
