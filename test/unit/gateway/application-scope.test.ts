import assert from 'node:assert/strict';
import type { Directory, OperationContext, OperationResult, SearchEvent } from '../../../src/directory/model.js';
import { ApplicationScopedDirectory, applicationAccess } from '../../../src/gateway/application-scope.js';
import { DirgateError } from '../../../src/errors.js';

/** Records what reached it: the test is about what the scope lets through. */
class RecordingDirectory implements Partial<Directory> {
  reached: string[] = [];
  async *search(): AsyncIterable<SearchEvent> {
    this.reached.push('search');
    yield { kind: 'done', result: { resultCode: 0 } };
  }
  async modify(): Promise<OperationResult> { this.reached.push('modify'); return { resultCode: 0 }; }
  async modifyDN(): Promise<OperationResult> { this.reached.push('modDN'); return { resultCode: 0 }; }
  async delete(): Promise<OperationResult> { this.reached.push('delete'); return { resultCode: 0 }; }
}

const apps = applicationAccess([
  { id: 'reader', access: { operations: ['search'], subtrees: ['ou=people,o=example'] } },
  { id: 'writer', access: { operations: ['search', 'modify', 'modDN'], subtrees: ['o=example'] } },
]);
const ctx = (appId: string, service = false): OperationContext => ({ requestId: 't', principal: { dn: 'uid=alice,ou=people,o=example', appId, service } });
const search = (baseDN: string) => ({ baseDN, scope: 'sub' as const, derefAliases: 'never' as const, sizeLimit: 0, timeLimit: 0, typesOnly: false, filter: { type: 'present' as const, attribute: 'objectClass' }, attributes: [], controls: [] });

async function drain(events: AsyncIterable<SearchEvent>): Promise<void> {
  for await (const _ of events) { /* consume */ }
}

async function refusedWith(p: Promise<unknown>, reason: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof DirgateError && err.code === 'ERR_INSUFFICIENT_ACCESS' && err.reason === reason);
}

describe('the application scope in the gateway (rules the firewall cannot see in encrypted requests)', () => {
  it('lets an application search inside its subtrees', async () => {
    const inner = new RecordingDirectory();
    await drain(new ApplicationScopedDirectory(inner as unknown as Directory, apps).search(search('uid=bob,ou=people,o=example'), ctx('reader')));
    assert.deepEqual(inner.reached, ['search']);
  });

  it('refuses an operation outside the application\'s list before the directory sees it', async () => {
    const inner = new RecordingDirectory();
    const scoped = new ApplicationScopedDirectory(inner as unknown as Directory, apps);
    await refusedWith(scoped.modify({ dn: 'uid=bob,ou=people,o=example', changes: [], controls: [] }, ctx('reader')), 'op-not-allowed');
    await refusedWith(scoped.delete({ dn: 'uid=bob,ou=people,o=example', controls: [] }, ctx('writer')), 'op-not-allowed');
    assert.deepEqual(inner.reached, []);
  });

  it('refuses a DN outside the application\'s subtrees, and an unknown application', async () => {
    const inner = new RecordingDirectory();
    const scoped = new ApplicationScopedDirectory(inner as unknown as Directory, apps);
    await refusedWith(drain(scoped.search(search('ou=groups,o=example'), ctx('reader'))), 'subtree-not-allowed');
    await refusedWith(drain(scoped.search(search('o=example'), ctx('reader'))), 'subtree-not-allowed');
    await refusedWith(drain(scoped.search(search('ou=people,o=example'), ctx('nobody'))), 'op-not-allowed');
    assert.deepEqual(inner.reached, []);
  });

  it('checks where a rename lands: the new superior, or beside the entry', async () => {
    const inner = new RecordingDirectory();
    const scoped = new ApplicationScopedDirectory(inner as unknown as Directory, apps);
    await refusedWith(scoped.modifyDN({ dn: 'uid=bob,ou=people,o=example', newRDN: 'uid=robert', deleteOldRDN: true, newSuperior: 'o=elsewhere', controls: [] }, ctx('writer')), 'subtree-not-allowed');
    await scoped.modifyDN({ dn: 'uid=bob,ou=people,o=example', newRDN: 'uid=robert', deleteOldRDN: true, controls: [] }, ctx('writer'));
    assert.deepEqual(inner.reached, ['modDN']);
  });

  it('does not apply to the gateway\'s own service work', async () => {
    const inner = new RecordingDirectory();
    await new ApplicationScopedDirectory(inner as unknown as Directory, apps).delete({ dn: 'uid=x,o=elsewhere', controls: [] }, ctx('nobody', true));
    assert.deepEqual(inner.reached, ['delete']);
  });
});
