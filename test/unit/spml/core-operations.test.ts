import assert from 'node:assert/strict';
import { Client } from 'ldapts';
import { spmlOnSlapd } from './helpers/on-slapd.js';
import { ADMIN } from './helpers/slapd.js';
import { attr, createHarness, find, one, psoData, statusOf, type Harness } from './helpers/harness.js';
import { getAttribute } from '../../../src/directory/model.js';

const DAVE = `<spml:data>
  <dsml:attr name="objectClass"><dsml:value>inetOrgPerson</dsml:value></dsml:attr>
  <dsml:attr name="uid"><dsml:value>dave</dsml:value></dsml:attr>
  <dsml:attr name="cn"><dsml:value>Dave &lt;the new one&gt; &amp; co</dsml:value></dsml:attr>
  <dsml:attr name="sn"><dsml:value>Dent</dsml:value></dsml:attr>
  <dsml:attr name="mail"><dsml:value>dave@example.com</dsml:value><dsml:value>  d.dent@example.com  </dsml:value></dsml:attr>
</spml:data>`;

describe('SPML core operations against slapd', function () {
  this.timeout(20000);
  const ldap = spmlOnSlapd();
  let h: Harness;

  beforeEach(() => {
    h = createHarness(ldap.directory);
  });

  it('lists both targets with their DSML-profile schema and capabilities', async () => {
    const res = await h.call('<spml:listTargetsRequest requestID="lt1"/>');
    assert.equal(res.local, 'listTargetsResponse');
    assert.equal(attr(res, 'status'), 'success');
    assert.equal(attr(res, 'requestID'), 'lt1');
    const targets = find(res, 'target');
    assert.deepEqual(targets.map((t) => attr(t, 'targetID')), ['people', 'groups']);
    assert.equal(attr(targets[0]!, 'profile'), 'urn:oasis:names:tc:SPML:2:0:DSML');
    const people = targets[0]!;
    assert.deepEqual(find(people, 'objectClassDefinition').map((o) => attr(o, 'name')), ['inetOrgPerson']);
    const required = find(people, 'attributeDefinitionReference').filter((a) => attr(a, 'required') === 'true').map((a) => attr(a, 'name'));
    assert.deepEqual(required, ['uid', 'cn', 'sn']);
    const caps = find(people, 'capability').map((c) => attr(c, 'namespaceURI'));
    assert.ok(caps.includes('urn:oasis:names:tc:SPML:2:0:password'));
    assert.ok(caps.includes('urn:oasis:names:tc:SPML:2:0:suspend'));
    const groupCaps = find(targets[1]!, 'capability').map((c) => attr(c, 'namespaceURI'));
    assert.ok(!groupCaps.includes('urn:oasis:names:tc:SPML:2:0:password'), 'groups offers no password operations');
    assert.equal(attr(find(targets[1]!, 'supportedSchemaEntity').find((e) => attr(e, 'entityName') === 'organizationalUnit')!, 'isContainer'), 'true');
  });

  it('accepts the lower-case profile URI and refuses an unknown profile', async () => {
    const lower = await h.call('<spml:listTargetsRequest profile="urn:oasis:names:tc:SPML:2:0:dsml"/>');
    assert.equal(attr(lower, 'status'), 'success');
    const other = await h.call('<spml:listTargetsRequest profile="urn:oasis:names:tc:SPML:2:0:XSD"/>');
    assert.deepEqual([attr(other, 'status'), attr(other, 'error')], ['failure', 'unsupportedOperation']);
  });

  it('adds a person with a server-chosen psoID (entryUUID), writes it to the directory and returns the data', async () => {
    const res = await h.call(`<spml:addRequest requestID="add1" targetID="people">${DAVE}</spml:addRequest>`);
    assert.equal(attr(res, 'status'), 'success', JSON.stringify(statusOf(res)));
    const id = attr(one(res, 'psoID'), 'ID')!;
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.equal(attr(one(res, 'psoID'), 'targetID'), 'people');
    const data = psoData(one(res, 'pso'));
    assert.deepEqual(data.cn, ['Dave <the new one> & co']);
    assert.deepEqual(data.mail, ['dave@example.com', '  d.dent@example.com  ']);
    const stored = await ldap.readAsAdmin('uid=dave,ou=people,o=example');
    assert.ok(stored, 'the entry exists in slapd');
    assert.equal(getAttribute(stored, 'entryUUID')!.values[0], id);
    assert.deepEqual(h.audit.map((e) => [e.operation, e.outcome, e.target, e.psoID, e.dn]), [['add', 'success', 'people', id, 'uid=dave,ou=people,o=example']]);
    assert.deepEqual(h.audit[0]!.attributes, ['objectClass', 'uid', 'cn', 'sn', 'mail']);
  });

  it('answers a second add of the same person with alreadyExists', async () => {
    const res = await h.call(`<spml:addRequest targetID="people">${DAVE}</spml:addRequest>`);
    assert.deepEqual([attr(res, 'status'), attr(res, 'error')], ['failure', 'alreadyExists']);
    assert.equal(h.audit[0]!.outcome, 'failure');
  });

  it('looks a PSO up by its entryUUID and by its DN, with each returnData', async () => {
    const byDn = await h.call('<spml:lookupRequest returnData="identifier"><spml:psoID ID="uid=bob,ou=people,o=example"/></spml:lookupRequest>');
    assert.equal(find(byDn, 'data').length, 0, 'identifier returns no data');
    const uuid = attr(one(byDn, 'psoID'), 'ID')!;
    const byId = await h.call(`<spml:lookupRequest returnData="data"><spml:psoID ID="${uuid}" targetID="people"/></spml:lookupRequest>`);
    assert.deepEqual(psoData(one(byId, 'pso')).telephoneNumber, ['+1 555 0100']);
    const everything = await h.call(`<spml:lookupRequest><spml:psoID ID="${uuid}"/></spml:lookupRequest>`);
    assert.deepEqual(psoData(one(everything, 'pso')).uid, ['bob']);
  });

  it('never returns userPassword in PSO data', async () => {
    const res = await h.call('<spml:lookupRequest><spml:psoID ID="uid=alice,ou=people,o=example"/></spml:lookupRequest>');
    const names = find(res, 'attr').map((a) => attr(a, 'name')!.toLowerCase());
    assert.ok(names.includes('mail'));
    assert.ok(!names.includes('userpassword'));
  });

  it('answers noSuchIdentifier for an unknown psoID, a DN outside every target and an unknown target', async () => {
    for (const pso of ['<spml:psoID ID="uid=nobody,ou=people,o=example"/>', '<spml:psoID ID="00000000-0000-0000-0000-000000000000"/>', '<spml:psoID ID="cn=admin,o=example"/>', '<spml:psoID ID="uid=bob,ou=people,o=example" targetID="nope"/>']) {
      const res = await h.call(`<spml:lookupRequest>${pso}</spml:lookupRequest>`);
      assert.deepEqual([attr(res, 'status'), attr(res, 'error')], ['failure', 'noSuchIdentifier'], pso);
      assert.ok(statusOf(res).messages[0]);
    }
  });

  it('keeps the psoID stable across a rename done directly in the directory', async () => {
    const before = await h.call('<spml:lookupRequest returnData="identifier"><spml:psoID ID="uid=carol,ou=people,o=example"/></spml:lookupRequest>');
    const id = attr(one(before, 'psoID'), 'ID')!;
    const c = new Client({ url: ldap.slapd.url });
    await c.bind(ADMIN.dn, ADMIN.password);
    await c.modifyDN('uid=carol,ou=people,o=example', 'uid=carol2');
    await c.unbind();
    const after = await h.call(`<spml:lookupRequest><spml:psoID ID="${id}"/></spml:lookupRequest>`);
    assert.equal(attr(after, 'status'), 'success');
    assert.deepEqual(psoData(one(after, 'pso')).uid, ['carol2']);
  });

  it('modifies with dsml:modification and with data plus modificationMode, and the directory shows both', async () => {
    const res = await h.call(`<spml:modifyRequest returnData="data"><spml:psoID ID="uid=dave,ou=people,o=example"/>
      <spml:modification>
        <dsml:modification name="telephoneNumber" operation="add"><dsml:value>+44 20 7946 0000</dsml:value></dsml:modification>
        <dsml:modification name="mail" operation="delete"><dsml:value>  d.dent@example.com  </dsml:value></dsml:modification>
      </spml:modification>
      <spml:modification modificationMode="replace"><spml:data><dsml:attr name="givenName"><dsml:value>David</dsml:value></dsml:attr></spml:data></spml:modification>
    </spml:modifyRequest>`);
    assert.equal(attr(res, 'status'), 'success', JSON.stringify(statusOf(res)));
    const data = psoData(one(res, 'pso'));
    assert.deepEqual(data.givenName, ['David']);
    const stored = (await ldap.readAsAdmin('uid=dave,ou=people,o=example'))!;
    assert.deepEqual(getAttribute(stored, 'telephoneNumber')!.values, ['+44 20 7946 0000']);
    assert.deepEqual(getAttribute(stored, 'mail')!.values, ['dave@example.com']);
    assert.deepEqual(getAttribute(stored, 'givenName')!.values, ['David']);
    assert.deepEqual(h.audit[0]!.attributes, ['telephoneNumber', 'mail', 'givenName']);
  });

  it('refuses to write an attribute the target does not expose, and writes nothing', async () => {
    const res = await h.call(`<spml:modifyRequest><spml:psoID ID="uid=dave,ou=people,o=example"/>
      <spml:modification><dsml:modification name="title" operation="replace"><dsml:value>Boss</dsml:value></dsml:modification></spml:modification>
    </spml:modifyRequest>`);
    assert.deepEqual([attr(res, 'status'), attr(res, 'error')], ['failure', 'customError']);
    assert.match(statusOf(res).messages[0]!, /does not expose "title"/);
    assert.equal(getAttribute((await ldap.readAsAdmin('uid=dave,ou=people,o=example'))!, 'title'), undefined);
  });

  it('adds a group with a client-chosen psoID (its DN) and refuses one outside the target', async () => {
    const ok = await h.call(`<spml:addRequest targetID="groups" returnData="identifier">
      <spml:psoID ID="cn=ops,ou=groups,o=example" targetID="groups"/>
      <spml:data><dsml:attr name="objectClass"><dsml:value>groupOfNames</dsml:value></dsml:attr>
      <dsml:attr name="member"><dsml:value>uid=bob,ou=people,o=example</dsml:value></dsml:attr></spml:data>
    </spml:addRequest>`);
    assert.equal(attr(ok, 'status'), 'success', JSON.stringify(statusOf(ok)));
    assert.equal(attr(one(ok, 'psoID'), 'ID'), 'cn=ops,ou=groups,o=example');
    assert.ok(await ldap.readAsAdmin('cn=ops,ou=groups,o=example'));
    const outside = await h.call(`<spml:addRequest targetID="groups"><spml:psoID ID="cn=ops,ou=people,o=example"/>
      <spml:data><dsml:attr name="objectClass"><dsml:value>groupOfNames</dsml:value></dsml:attr></spml:data></spml:addRequest>`);
    assert.deepEqual([attr(outside, 'status'), attr(outside, 'error')], ['failure', 'invalidIdentifier']);
    const missing = await h.call(`<spml:addRequest targetID="groups"><spml:data><dsml:attr name="cn"><dsml:value>x</dsml:value></dsml:attr></spml:data></spml:addRequest>`);
    assert.deepEqual([attr(missing, 'status'), attr(missing, 'error')], ['failure', 'malformedRequest']);
  });

  it('adds into a container named by containerID', async () => {
    const res = await h.call(`<spml:addRequest targetID="groups" returnData="identifier">
      <spml:psoID ID="cn=beta,ou=projects,ou=groups,o=example"/>
      <spml:containerID ID="ou=projects,ou=groups,o=example"/>
      <spml:data><dsml:attr name="objectClass"><dsml:value>groupOfNames</dsml:value></dsml:attr>
      <dsml:attr name="member"><dsml:value>uid=alice,ou=people,o=example</dsml:value></dsml:attr></spml:data>
    </spml:addRequest>`);
    assert.equal(attr(res, 'status'), 'success', JSON.stringify(statusOf(res)));
    assert.ok(await ldap.readAsAdmin('cn=beta,ou=projects,ou=groups,o=example'));
  });

  it('refuses a client psoID on a target that chooses identifiers itself', async () => {
    const res = await h.call(`<spml:addRequest targetID="people"><spml:psoID ID="uid=erin,ou=people,o=example"/>${DAVE.replace(/dave/g, 'erin')}</spml:addRequest>`);
    assert.deepEqual([attr(res, 'status'), attr(res, 'error')], ['failure', 'unsupportedOperation']);
    assert.equal(await ldap.readAsAdmin('uid=erin,ou=people,o=example'), undefined);
  });

  it('answers containerNotEmpty for a container without recursive, and deletes the subtree with it', async () => {
    const plain = await h.call('<spml:deleteRequest><spml:psoID ID="ou=projects,ou=groups,o=example"/></spml:deleteRequest>');
    assert.deepEqual([attr(plain, 'status'), attr(plain, 'error')], ['failure', 'containerNotEmpty']);
    assert.ok(await ldap.readAsAdmin('cn=beta,ou=projects,ou=groups,o=example'));
    const leaf = await h.call('<spml:deleteRequest><spml:psoID ID="cn=beta,ou=projects,ou=groups,o=example"/></spml:deleteRequest>');
    assert.equal(attr(leaf, 'status'), 'success');
    assert.equal(await ldap.readAsAdmin('cn=beta,ou=projects,ou=groups,o=example'), undefined);
  });

  it('names what was and was not deleted when a recursive delete stops half-way', async () => {
    // slapd refuses to delete ou=team (ACL), after its child cn=alpha is gone.
    const res = await h.call('<spml:deleteRequest recursive="true"><spml:psoID ID="ou=projects,ou=groups,o=example"/></spml:deleteRequest>');
    assert.deepEqual([attr(res, 'status'), attr(res, 'error')], ['failure', 'customError']);
    assert.match(statusOf(res).messages[0]!, /1 of 3 entries were deleted, 2 remain/);
    assert.equal(await ldap.readAsAdmin('cn=alpha,ou=team,ou=projects,ou=groups,o=example'), undefined);
    assert.ok(await ldap.readAsAdmin('ou=team,ou=projects,ou=groups,o=example'));
    assert.equal(h.audit[0]!.reason, 'spml-recursive-delete-incomplete');
  });

  it('deletes a person and then answers noSuchIdentifier for it', async () => {
    const res = await h.call('<spml:deleteRequest recursive="true"><spml:psoID ID="uid=dave,ou=people,o=example"/></spml:deleteRequest>');
    assert.equal(attr(res, 'status'), 'success');
    assert.equal(await ldap.readAsAdmin('uid=dave,ou=people,o=example'), undefined);
    const again = await h.call('<spml:deleteRequest><spml:psoID ID="uid=dave,ou=people,o=example"/></spml:deleteRequest>');
    assert.equal(attr(again, 'error'), 'noSuchIdentifier');
  });
});
