/**
 * SPML over the virtual directory of the demo configuration, served by the
 * embedded directory (corp and hr joined on mail): each write must land in the
 * source that owns the attribute, and the sources are read back after it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEMO_CONFIG, loadConfig } from '../../../src/config/load.js';
import { startEmbeddedDirectory, type EmbeddedDirectory } from '../../../src/directory/embedded/index.js';
import { createVirtualDirectory, type VirtualDirectory } from '../../../src/directory/index.js';
import { getAttribute, type OperationContext } from '../../../src/directory/model.js';
import { silentLogger } from '../../../src/log.js';
import { createSpmlRuntime, handleSpmlRequest } from '../../../src/spml/handler.js';
import { spmlConfigWithDefaults } from '../../../src/spml/config.js';
import { isSuspended } from '../../../src/spml/suspended.js';
import type { SpmlAuditEvent } from '../../../src/spml/env.js';
import { createLdapSource } from '../../../src/directory/sources/index.js';
import type { LdapSource } from '../../../src/directory/sources/types.js';
import { readRaw } from '../../unit/spml/helpers/ldap-directory.js';
import { attr, envelope, find, one, psoData, responseElement, statusOf, withNamespaces } from '../../unit/spml/helpers/harness.js';

const ADMIN_PASS = 'directory-admin-pass';

describe('SPML over the demo virtual directory (embedded corp and hr)', function () {
  this.timeout(30000);
  let dataDir: string;
  let embedded: EmbeddedDirectory;
  let sources: LdapSource[];
  let directory: VirtualDirectory;
  const audit: SpmlAuditEvent[] = [];
  const config = loadConfig(DEMO_CONFIG);
  const spmlConfig = spmlConfigWithDefaults({
    targets: [{
      name: 'people', dn: 'ou=people,o=example', rdnAttribute: 'uid',
      operations: ['add', 'lookup', 'modify', 'delete', 'search', 'setPassword', 'resetPassword', 'validatePassword', 'suspend', 'resume', 'active'],
      schema: {
        objectClasses: [{
          name: 'inetOrgPerson', superiors: [], container: false,
          attributes: ['uid', 'cn', 'sn', 'mail', 'telephoneNumber', 'employeeNumber', 'title', 'departmentNumber', 'employeeType', 'userPassword']
            .map((name) => ({ name, required: ['uid', 'cn', 'sn'].includes(name) })),
        }],
        attributes: [],
      },
      suspend: { attribute: 'employeeType', value: 'dirgate-suspended' },
    }],
  });
  const runtime = createSpmlRuntime(spmlConfig);
  const ctx: OperationContext = { requestId: 'it', principal: { dn: 'uid=admin,ou=people,o=example', appId: 'mobile-demo' } };
  const call = async (request: string) => {
    const res = await handleSpmlRequest(Buffer.from(envelope(withNamespaces(request))), {}, {
      ...runtime, directory, ctx, authorize: () => true, audit: (e) => { audit.push(e); },
    });
    assert.equal(res.status, 200, res.body);
    return responseElement(res.body);
  };
  const raw = (dn: string, suffixAdmin: string) => readRaw({ url: embedded.url, bindDN: suffixAdmin, password: ADMIN_PASS }, dn);
  const corp = (uid: string) => raw(`uid=${uid},ou=people,dc=corp,dc=example`, 'cn=admin,dc=corp,dc=example');
  const hr = (mail: string) => raw(`mail=${mail},ou=people,o=hr`, 'cn=admin,o=hr');

  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'dirgate-spml-vd-'));
    embedded = await startEmbeddedDirectory({ ...config.embedded!, port: 0 }, { dataDir, log: silentLogger() });
    sources = config.sources.map((s) => createLdapSource(s, { log: silentLogger(), embeddedUrl: embedded.url }));
    // Provisioning a new person with HR attributes needs dirgate to create the hr entry.
    const views = structuredClone(config.views) as unknown as Array<{ branches: Array<{ name: string; contributors: Array<Record<string, unknown>> }> }>;
    const people = views[0]!.branches.find((b) => b.name === 'people')!;
    people.contributors[0]!.provision ??= { rdnAttribute: 'mail', objectClasses: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'] };
    directory = createVirtualDirectory(
      { views, cache: config.cache, profile: config.profile, sources: config.sources },
      { log: silentLogger(), sources: new Map(sources.map((s) => [s.name, s])), background: false },
    );
  });
  after(async () => {
    await runtime.jobs.drain();
    await directory?.close();
    for (const s of sources ?? []) await s.close();
    await embedded?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('adds a person whose attributes land in corp and in hr', async () => {
    const res = await call(`<spml:addRequest targetID="people" returnData="data"><spml:data>
      <dsml:attr name="objectClass"><dsml:value>inetOrgPerson</dsml:value></dsml:attr>
      <dsml:attr name="uid"><dsml:value>erin</dsml:value></dsml:attr>
      <dsml:attr name="cn"><dsml:value>Erin Example</dsml:value></dsml:attr>
      <dsml:attr name="sn"><dsml:value>Example</dsml:value></dsml:attr>
      <dsml:attr name="mail"><dsml:value>erin@corp.example</dsml:value></dsml:attr>
      <dsml:attr name="title"><dsml:value>Engineer</dsml:value></dsml:attr>
    </spml:data></spml:addRequest>`);
    assert.equal(attr(res, 'status'), 'success', JSON.stringify(statusOf(res)));
    assert.deepEqual(psoData(one(res, 'pso')).title, ['Engineer']);
    const id = attr(one(res, 'psoID'), 'ID')!;
    assert.match(id, /^[0-9a-f-]{36}$/, 'the PSO ID is the entryUUID the view passes through');
    const byId = await call(`<spml:lookupRequest returnData="identifier"><spml:psoID ID="${id}" targetID="people"/></spml:lookupRequest>`);
    assert.equal(attr(byId, 'status'), 'success', JSON.stringify(statusOf(byId)));
    const c = await corp('erin');
    assert.ok(c, 'corp holds the identity');
    assert.equal(getAttribute(c, 'title'), undefined, 'title belongs to hr');
    const h = await hr('erin@corp.example');
    assert.deepEqual(getAttribute(h!, 'title')?.values, ['Engineer']);
  });

  it('modifies across both sources and finds the person by a filter on either', async () => {
    const res = await call(`<spml:modifyRequest returnData="data"><spml:psoID ID="uid=erin,ou=people,o=example"/><spml:modification>
      <dsml:modification name="telephoneNumber" operation="replace"><dsml:value>+1 555 0142</dsml:value></dsml:modification>
      <dsml:modification name="departmentNumber" operation="replace"><dsml:value>4242</dsml:value></dsml:modification>
    </spml:modification></spml:modifyRequest>`);
    assert.equal(attr(res, 'status'), 'success', JSON.stringify(statusOf(res)));
    assert.deepEqual(getAttribute((await corp('erin'))!, 'telephoneNumber')?.values, ['+1 555 0142']);
    assert.deepEqual(getAttribute((await hr('erin@corp.example'))!, 'departmentNumber')?.values, ['4242']);
    const found = await call(`<spmlsearch:searchRequest><spmlsearch:query targetID="people">
      <dsml:filter><dsml:equalityMatch name="departmentNumber"><dsml:value>4242</dsml:value></dsml:equalityMatch></dsml:filter></spmlsearch:query></spmlsearch:searchRequest>`);
    assert.deepEqual(find(found, 'pso').map((p) => psoData(p).uid?.[0]), ['erin']);
  });

  it('sets a password the user can bind with, suspends and resumes', async () => {
    const set = await call('<pass:setPasswordRequest><spml:psoID ID="uid=erin,ou=people,o=example"/><pass:password>Erin-Pass-2024!</pass:password></pass:setPasswordRequest>');
    assert.equal(attr(set, 'status'), 'success', JSON.stringify(statusOf(set)));
    assert.equal(await directory.bind('uid=erin,ou=people,o=example', 'Erin-Pass-2024!', ctx), 'uid=erin,ou=people,o=example');
    const s = await call('<spmlsuspend:suspendRequest><spml:psoID ID="uid=erin,ou=people,o=example"/></spmlsuspend:suspendRequest>');
    assert.equal(attr(s, 'status'), 'success', JSON.stringify(statusOf(s)));
    const entry = await directory.resolveUser('erin');
    assert.ok(entry && isSuspended(entry, spmlConfig.targets[0]!), 'login can see the suspension');
    assert.equal(attr(await call('<spmlsuspend:activeRequest><spml:psoID ID="uid=erin,ou=people,o=example"/></spmlsuspend:activeRequest>'), 'active'), 'false');
    await call('<spmlsuspend:resumeRequest><spml:psoID ID="uid=erin,ou=people,o=example"/></spmlsuspend:resumeRequest>');
    assert.equal(isSuspended((await directory.resolveUser('erin'))!, spmlConfig.targets[0]!), false);
  });

  it('deletes the person from both sources', async () => {
    const res = await call('<spml:deleteRequest><spml:psoID ID="uid=erin,ou=people,o=example"/></spml:deleteRequest>');
    assert.equal(attr(res, 'status'), 'success', JSON.stringify(statusOf(res)));
    assert.equal(await corp('erin'), undefined);
    assert.equal(await hr('erin@corp.example'), undefined);
    assert.ok(audit.every((e) => e.outcome === 'success'), JSON.stringify(audit.filter((e) => e.outcome !== 'success')));
  });
});
