import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { batchRequestXml, DirgateRequestError, soapEnvelope, type DirgateClient } from '../../../src/client/index.js';
import { TAG_OID } from './fixtures/tag-searches.js';
import { startDeployment, type Deployment } from './harness.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

describe('interception scripts around directory operations (beforeOperation, afterOperation)', function () {
  this.timeout(60_000);
  let d: Deployment;
  let demo: DirgateClient;

  before(async () => {
    d = await startDeployment({
      tweak(raw) {
        raw.scripts = {
          timeoutMs: 2000,
          beforeOperation: { module: path.join(fixtures, 'protect-attribute.ts'), config: { attribute: 'mail' } },
          afterOperation: { module: path.join(fixtures, 'tag-searches.ts') },
        };
      },
      gateways: 1,
    });
    demo = d.client('mobile-demo');
  });
  after(() => d?.close());

  it('lets the replaced beforeOperation refuse a change before any source sees it', async () => {
    const s = await demo.loginWithPassword('admin', 'admin-pass');
    const err = await s.modify('uid=bob,ou=people,o=example', [{ operation: 'replace', attribute: { type: 'mail', values: ['bob@elsewhere.example'] } }])
      .then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof DirgateRequestError);
    assert.equal(err.descr, 'unwillingToPerform');
    assert.match(err.message, /mail is managed elsewhere/);
    const [bob] = await s.search('uid=bob,ou=people,o=example', { attributes: ['mail'] });
    assert.deepEqual(bob?.attributes.find((a) => a.type === 'mail')?.values, ['bob@corp.example']);
    await s.modify('uid=bob,ou=people,o=example', [{ operation: 'replace', attribute: { type: 'telephoneNumber', values: ['+1 555 0177'] } }]);
    await s.logoff();
  });

  it('lets the replaced afterOperation change a search result, not the gateway\'s own subtree', async () => {
    const s = await demo.loginWithPassword('alice', 'alice-pass');
    const body = soapEnvelope(batchRequestXml([{ kind: 'search', baseDN: 'ou=people,o=example', scope: 'one', attributes: ['uid'] }, { kind: 'search', baseDN: s.dn }]));
    const answer = await demo.send('POST', '/dsml', { authorization: s.authorization }, body);
    const tags = [...answer.body.matchAll(new RegExp(`<control type="${TAG_OID.replace(/\./g, '\\.')}"><controlValue xsi:type="xsd:base64Binary">([^<]+)<`, 'g'))];
    assert.equal(tags.length, 1, 'the view search is tagged; o=gateway is not a directory operation for the hooks');
    assert.match(Buffer.from(tags[0]![1]!, 'base64').toString(), /^search \d+$/);
    await s.logoff();
  });
});
