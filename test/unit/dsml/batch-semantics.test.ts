import assert from 'node:assert/strict';
import { DirgateError } from '../../../src/errors.js';
import type { Directory, OperationContext, SearchEvent } from '../../../src/directory/model.js';
import { executeBatch } from '../../../src/dsml/batch.js';
import type { DsmlBatchResponse, DsmlResponse } from '../../../src/dsml/types.js';
import { parseBatch } from './helpers/documents.js';
import { demoDirectory, MemoryDirectory } from './helpers/memory-directory.js';

const ctx: OperationContext = { requestId: 't', principal: { dn: 'uid=admin,ou=people,o=example', appId: 'mobile-demo' } };

function summary(r: DsmlBatchResponse): string[] {
  return r.responses.map((x) => {
    const code = x.kind === 'error' ? x.type : x.kind === 'search' ? x.done.resultCode : x.result.resultCode;
    return `${x.kind}:${x.requestID ?? '-'}:${code}`;
  });
}

const del = (id: string, dn: string): string => `<delRequest requestID="${id}" dn="${dn}"/>`;
const cmp = (id: string, uid: string, value: string): string =>
  `<compareRequest requestID="${id}" dn="uid=${uid},ou=people,o=example"><assertion name="uid"><value>${value}</value></assertion></compareRequest>`;
const find = (id: string, filter: string): string =>
  `<searchRequest requestID="${id}" dn="ou=people,o=example" scope="singleLevel" derefAliases="neverDerefAliases"><filter>${filter}</filter></searchRequest>`;

describe('DSML batch semantics', () => {
  describe('sequential processing', () => {
    it('runs every operation in order and echoes each requestID verbatim', async () => {
      const dir = demoDirectory();
      const batch = parseBatch(find(' s 1 ', '<equalityMatch name="uid"><value>alice</value></equalityMatch>') + cmp('c&amp;2', 'bob', 'bob') + del('d3', 'uid=carol,ou=people,o=example'), 'requestID="batch-9"');
      const r = await executeBatch(batch, dir, ctx);
      assert.equal(r.requestID, 'batch-9');
      assert.deepEqual(summary(r), ['search: s 1 :0', 'compare:c&2:6', 'delete:d3:0']);
      assert.equal((r.responses[0] as Extract<DsmlResponse, { kind: 'search' }>).entries[0]!.entry.dn, 'uid=alice,ou=people,o=example');
      assert.deepEqual(dir.calls.map((c) => c.op), ['search', 'compare', 'delete']);
    });

    it('with onError="exit" stops at the first error and does not attempt or answer the rest', async () => {
      const dir = demoDirectory();
      const r = await executeBatch(parseBatch(del('1', 'uid=bob,ou=people,o=example') + del('2', 'uid=nobody,ou=people,o=example') + del('3', 'uid=carol,ou=people,o=example')), dir, ctx);
      assert.deepEqual(summary(r), ['delete:1:0', 'delete:2:32']);
      assert.deepEqual(dir.calls.map((c) => c.dn), ['uid=bob,ou=people,o=example', 'uid=nobody,ou=people,o=example']);
      assert.ok(dir.entries.has('uid=carol,ou=people,o=example'));
    });

    it('with onError="resume" answers every operation', async () => {
      const dir = demoDirectory();
      const r = await executeBatch(parseBatch(del('1', 'uid=nobody,ou=people,o=example') + del('2', 'uid=carol,ou=people,o=example'), 'onError="resume"'), dir, ctx);
      assert.deepEqual(summary(r), ['delete:1:32', 'delete:2:0']);
    });

    it('does not count compareFalse, compareTrue or success as errors for onError="exit"', async () => {
      const r = await executeBatch(parseBatch(cmp('1', 'bob', 'nope') + cmp('2', 'bob', 'bob') + del('3', 'uid=bob,ou=people,o=example')), demoDirectory(), ctx);
      assert.deepEqual(summary(r), ['compare:1:5', 'compare:2:6', 'delete:3:0']);
    });

    it('counts a search ending in sizeLimitExceeded as an error, as OpenDJ and .NET do', async () => {
      const r = await executeBatch(parseBatch(find('1', '<present name="objectClass"/>').replace('derefAliases', 'sizeLimit="1" derefAliases') + del('2', 'uid=bob,ou=people,o=example')), demoDirectory(), ctx);
      assert.deepEqual(summary(r), ['search:1:4']);
      const done = (r.responses[0] as Extract<DsmlResponse, { kind: 'search' }>).done;
      assert.equal(done.errorMessage, 'size limit exceeded');
    });

    it('answers a malformed operation with malformedRequest and applies onError to it', async () => {
      const ops = del('1', 'uid=bob,ou=people,o=example') + find('2', '<bogus/>') + del('3', 'uid=carol,ou=people,o=example');
      const exit = await executeBatch(parseBatch(ops), demoDirectory(), ctx);
      assert.deepEqual(summary(exit), ['delete:1:0', 'error:2:malformedRequest']);
      assert.match((exit.responses[1] as Extract<DsmlResponse, { kind: 'error' }>).message!, /unknown filter element <bogus>/);
      const resume = await executeBatch(parseBatch(ops, 'onError="resume"'), demoDirectory(), ctx);
      assert.deepEqual(summary(resume), ['delete:1:0', 'error:2:malformedRequest', 'delete:3:0']);
    });

    it('answers a limit breach in the operation\'s own response with adminLimitExceeded', async () => {
      const b = parseBatch(find('1', '<not><not><present name="cn"/></not></not>'), '', { limits: { filterDepth: 1 } });
      const r = await executeBatch(b, demoDirectory(), ctx);
      assert.deepEqual(summary(r), ['search:1:11']);
    });

    it('answers a refused URI value with errorResponse unresolvableURI', async () => {
      const b = parseBatch('<addRequest requestID="1" dn="cn=x,o=example"><attr name="labeledURI"><value xsi:type="xsd:anyURI">http://internal.example/secret</value></attr></addRequest>');
      const r = await executeBatch(b, demoDirectory(), ctx);
      assert.deepEqual(summary(r), ['error:1:unresolvableURI']);
    });
  });

  describe('errors from the directory', () => {
    it('answers a source that cannot be reached with couldNotConnect and no inside detail', async () => {
      const dir = demoDirectory({ failWith: new DirgateError('ERR_COULD_NOT_CONNECT', 'connect ECONNREFUSED ldap-master.corp.internal:389') });
      const r = await executeBatch(parseBatch(del('1', 'cn=x') + find('2', '<present name="cn"/>'), 'onError="resume"'), dir, ctx);
      assert.deepEqual(summary(r), ['error:1:couldNotConnect', 'error:2:couldNotConnect']);
      assert.ok(!JSON.stringify(r).includes('corp.internal'));
      assert.equal((r.responses[0] as Extract<DsmlResponse, { kind: 'error' }>).message, 'the directory could not be reached');
    });

    it('answers wrong credentials with authenticationFailed, never couldNotConnect', async () => {
      const dir = demoDirectory({ failWith: new DirgateError('ERR_AUTHENTICATION_FAILED', 'invalid credentials for uid=bob (ldap://10.1.2.3)') });
      const r = await executeBatch(parseBatch(del('1', 'cn=x')), dir, ctx);
      assert.deepEqual(summary(r), ['error:1:authenticationFailed']);
      assert.ok(!JSON.stringify(r).includes('10.1.2.3'));
    });

    it('answers an unexpected failure with gatewayInternalError and a generic message', async () => {
      const broken = demoDirectory();
      broken.delete = async () => { throw new TypeError('Cannot read properties of undefined (reading "pool") at /srv/dirgate/src/x.ts:12'); };
      const r = await executeBatch(parseBatch(del('1', 'cn=x')), broken, ctx);
      assert.deepEqual(r.responses, [{ kind: 'error', requestID: '1', type: 'gatewayInternalError', message: 'internal error' }]);
    });

    it('keeps the LDAP result code and matchedDN of an LDAP failure, with the public message', async () => {
      const r = await executeBatch(parseBatch(del('1', 'uid=zed,ou=people,o=example')), demoDirectory(), ctx);
      assert.deepEqual(r.responses[0], { kind: 'delete', requestID: '1', result: { resultCode: 32, errorMessage: 'no entry uid=zed,ou=people,o=example', matchedDN: 'ou=people,o=example' } });
    });

    it('never passes a directory\'s diagnostic text on, even on success', async () => {
      const dir = demoDirectory();
      dir.delete = async () => ({ resultCode: 0, diagnosticMessage: 'slapd 2.6 on db-7.corp.internal' });
      const r = await executeBatch(parseBatch(del('1', 'cn=x')), dir, ctx);
      assert.deepEqual(r.responses[0], { kind: 'delete', requestID: '1', result: { resultCode: 0 } });
    });

    it('keeps the entries already sent when a search fails midway, and reports the failure in searchResultDone', async () => {
      const dir: Directory = Object.assign(demoDirectory(), {
        async *search(): AsyncIterable<SearchEvent> {
          yield { kind: 'entry', entry: { dn: 'uid=a,o=example', attributes: [] } };
          throw new DirgateError('ERR_COULD_NOT_CONNECT', 'socket hang up from 10.9.9.9');
        },
      });
      const r = await executeBatch(parseBatch(find('1', '<present name="cn"/>')), dir, ctx);
      const s = r.responses[0] as Extract<DsmlResponse, { kind: 'search' }>;
      assert.equal(s.entries.length, 1);
      assert.deepEqual(s.done, { resultCode: 52, errorMessage: 'the directory could not be reached' });
    });
  });

  describe('parallel processing', () => {
    it('runs operations at once and keeps request order with responseOrder="sequential"', async () => {
      const dir = demoDirectory({ delayMs: (op, dn) => (dn.startsWith('uid=alice') ? 40 : 5) });
      const b = parseBatch(cmp('1', 'alice', 'alice') + cmp('2', 'bob', 'bob') + cmp('3', 'carol', 'x'), 'processing="parallel"');
      const r = await executeBatch(b, dir, ctx, { parallelism: 3 });
      assert.equal(dir.maxRunning, 3);
      assert.deepEqual(summary(r), ['compare:1:6', 'compare:2:6', 'compare:3:5']);
    });

    it('answers in completion order with responseOrder="unordered"', async () => {
      const dir = demoDirectory({ delayMs: (op, dn) => (dn.startsWith('uid=alice') ? 60 : dn.startsWith('uid=bob') ? 30 : 1) });
      const b = parseBatch(cmp('1', 'alice', 'alice') + cmp('2', 'bob', 'bob') + cmp('3', 'carol', 'carol'), 'processing="parallel" responseOrder="unordered"');
      const r = await executeBatch(b, dir, ctx, { parallelism: 3 });
      assert.deepEqual(summary(r), ['compare:3:6', 'compare:2:6', 'compare:1:6']);
    });

    it('runs no more operations at once than the configured parallelism', async () => {
      const dir = demoDirectory({ delayMs: 5 });
      const b = parseBatch(Array.from({ length: 6 }, (_, i) => cmp(String(i), 'bob', 'bob')).join(''), 'processing="parallel"');
      await executeBatch(b, dir, ctx, { parallelism: 2 });
      assert.equal(dir.maxRunning, 2);
    });

    it('with onError="exit" starts nothing after an error and answers what never started with notAttempted', async () => {
      const dir = demoDirectory();
      const b = parseBatch(del('1', 'uid=bob,ou=people,o=example') + del('2', 'uid=nobody,ou=people,o=example') + del('3', 'uid=carol,ou=people,o=example') + del('4', 'uid=alice,ou=people,o=example'), 'processing="parallel"');
      const r = await executeBatch(b, dir, ctx, { parallelism: 1 });
      assert.deepEqual(summary(r), ['delete:1:0', 'delete:2:32', 'error:3:notAttempted', 'error:4:notAttempted']);
      assert.ok(dir.entries.has('uid=carol,ou=people,o=example'));
    });

    it('abandons a running operation of the batch: neither it nor the abandonRequest is answered', async () => {
      const dir = demoDirectory({ delayMs: (op, dn) => (dn.startsWith('uid=alice') ? 200 : 1) });
      const b = parseBatch(cmp('slow', 'alice', 'alice') + '<abandonRequest requestID="ab" abandonID="slow"/>' + cmp('fast', 'bob', 'bob'), 'processing="parallel" onError="resume"');
      const r = await executeBatch(b, dir, ctx, { parallelism: 3 });
      assert.deepEqual(summary(r), ['compare:fast:6']);
    });
  });

  describe('authRequest', () => {
    const asBob = '<authRequest requestID="au" principal="dn:uid=bob,ou=people,o=example"/>';

    it('runs the rest of the batch as the principal the caller\'s resolver maps it to', async () => {
      const dir = demoDirectory();
      const seen: string[] = [];
      const r = await executeBatch(parseBatch(asBob + cmp('1', 'bob', 'bob')), dir, ctx, {
        resolveAuthRequest: async (principal, caller) => { seen.push(`${caller.principal.dn} -> ${principal}`); return { dn: principal.slice(3), appId: caller.principal.appId }; },
      });
      assert.deepEqual(summary(r), ['auth:au:0', 'compare:1:6']);
      assert.deepEqual(seen, ['uid=admin,ou=people,o=example -> dn:uid=bob,ou=people,o=example']);
      assert.equal(dir.calls[0]!.principal, 'uid=bob,ou=people,o=example');
    });

    it('runs nothing after a refused authRequest, not even as the caller', async () => {
      const dir = demoDirectory();
      const refuse = { resolveAuthRequest: async (): Promise<never> => { throw new DirgateError('ERR_INSUFFICIENT_ACCESS', 'proxy not allowed', { reason: 'proxy-denied' }); } };
      const exit = await executeBatch(parseBatch(asBob + del('1', 'uid=bob,ou=people,o=example')), dir, ctx, refuse);
      assert.deepEqual(summary(exit), ['auth:au:50']);
      const resume = await executeBatch(parseBatch(asBob + del('1', 'uid=bob,ou=people,o=example'), 'onError="resume"'), dir, ctx, refuse);
      assert.deepEqual(summary(resume), ['auth:au:50', 'error:1:notAttempted']);
      assert.equal(dir.calls.length, 0);
    });

    it('answers authMethodNotSupported when the gateway has no authRequest resolver', async () => {
      const dir = demoDirectory();
      const r = await executeBatch(parseBatch(asBob + del('1', 'uid=bob,ou=people,o=example')), dir, ctx);
      assert.deepEqual(summary(r), ['auth:au:7']);
      assert.equal(dir.calls.length, 0);
    });

    it('runs nothing after an authRequest that could not be read', async () => {
      const dir = demoDirectory();
      const r = await executeBatch(parseBatch('<authRequest requestID="au"/>' + del('1', 'uid=bob,ou=people,o=example'), 'onError="resume"'), dir, ctx);
      assert.deepEqual(summary(r), ['error:au:malformedRequest', 'error:1:notAttempted']);
      assert.equal(dir.calls.length, 0);
    });
  });

  describe('routing by DN', () => {
    it('sends each operation to the directory the resolver picks for its DN', async () => {
      const main = demoDirectory();
      const gateway = new MemoryDirectory([{ dn: 'o=gateway', attributes: [{ type: 'o', values: ['gateway'] }] }]);
      const resolver = (dn: string): Directory => (/(^|,)\s*o=gateway$/i.test(dn) ? gateway : main);
      const b = parseBatch(
        '<searchRequest requestID="g" dn="o=gateway" scope="baseObject" derefAliases="neverDerefAliases"><filter><present name="objectClass"/></filter></searchRequest>' +
          cmp('m', 'bob', 'bob'),
      );
      const r = await executeBatch(b, resolver, ctx);
      assert.deepEqual(summary(r), ['search:g:0', 'compare:m:6']);
      assert.deepEqual([gateway.calls.length, main.calls.length], [1, 1]);
    });
  });

  describe('batch-level refusals', () => {
    it('answers a batch with too many operations with one notAttempted errorResponse', async () => {
      const b = parseBatch(del('1', 'cn=a') + del('2', 'cn=b'), 'requestID="big"', { limits: { operationsPerBatch: 1 } });
      const r = await executeBatch(b, demoDirectory(), ctx);
      assert.deepEqual(r, { requestID: 'big', responses: [{ kind: 'error', type: 'notAttempted', message: 'the batch holds more operations than the configured maximum' }] });
    });

    it('answers a batch with a bad attribute with one malformedRequest errorResponse', async () => {
      const r = await executeBatch(parseBatch(del('1', 'cn=a'), 'processing="turbo"'), demoDirectory(), ctx);
      assert.deepEqual(summary(r), ['error:-:malformedRequest']);
    });

    it('answers an empty batch with an empty batchResponse', async () => {
      assert.deepEqual(await executeBatch(parseBatch(''), demoDirectory(), ctx), { responses: [] });
    });
  });
});
