import assert from 'node:assert/strict';
import { batchRequestXml, DsmlAnswerError, parseBatchResponse, soapEnvelope, type DsmlOperation } from '../../../src/client/dsml.js';
import type { Filter } from '../../../src/directory/model.js';
import { dsmlConfig, parseDsmlDocument, serializeBatchResponse, soapFault } from '../../../src/dsml/index.js';

// The client's DSML against the gateway's own parser and serializer (the other end of the wire, not a copy).
describe('the client SDK\'s DSML', () => {
  const config = dsmlConfig();

  it('writes requests the gateway parses back to the same model, values and filters included', () => {
    const filter: Filter = {
      type: 'and',
      filters: [
        { type: 'equality', attribute: 'cn', value: 'A & <B> "C"' },
        { type: 'substrings', attribute: 'mail', initial: 'al', any: ['ce'], final: '@corp.example' },
        { type: 'not', filter: { type: 'present', attribute: 'employeeType' } },
        { type: 'or', filters: [{ type: 'greaterOrEqual', attribute: 'uidNumber', value: '1000' }, { type: 'lessOrEqual', attribute: 'uidNumber', value: '10' }] },
        { type: 'equality', attribute: 'description', value: ' leading and trailing ' },
      ],
    };
    const ops: DsmlOperation[] = [
      { kind: 'search', baseDN: 'ou=people,o=example', scope: 'one', filter, attributes: ['uid', 'cn'], sizeLimit: 5 },
      { kind: 'modify', dn: 'uid=bob,ou=people,o=example', changes: [{ operation: 'replace', attribute: { type: 'jpegPhoto', values: [Buffer.from([0, 255, 1])] } }] },
      { kind: 'add', dn: 'cn=x,ou=groups,o=example', attributes: [{ type: 'cn', values: ['x'] }] },
      { kind: 'delete', dn: 'cn=x,ou=groups,o=example' },
    ];
    const doc = parseDsmlDocument(Buffer.from(soapEnvelope(batchRequestXml(ops))), { config, contentType: 'text/xml; charset=utf-8' });
    const [search, modify, add, del] = doc.batch.operations;
    assert.equal(search?.kind, 'search');
    if (search?.kind !== 'search') return;
    assert.deepEqual([search.request.baseDN, search.request.scope, search.request.sizeLimit, search.request.attributes], ['ou=people,o=example', 'one', 5, ['uid', 'cn']]);
    assert.deepEqual(search.request.filter, filter);
    assert.deepEqual(modify?.kind === 'modify' && modify.request.changes[0]?.attribute.values, [Buffer.from([0, 255, 1])]);
    assert.equal(add?.kind, 'add');
    assert.equal(del?.kind === 'delete' && del.request.dn, 'cn=x,ou=groups,o=example');
  });

  it('reads what the gateway writes: entries with text and binary values, results, errors', () => {
    const xml = serializeBatchResponse({
      responses: [
        {
          kind: 'search', requestID: '1', references: [],
          entries: [{ entry: { dn: 'uid=alice,ou=people,o=example', attributes: [{ type: 'cn', values: ['Alice'] }, { type: 'jpegPhoto', values: [Buffer.from([0xff, 0xd8, 0x00])] }, { type: 'description', values: [' padded '] }] } }],
          done: { resultCode: 0 },
        },
        { kind: 'modify', requestID: '2', result: { resultCode: 8, errorMessage: 'multi-factor authentication is outstanding' } },
        { kind: 'error', requestID: '3', type: 'authenticationFailed', message: 'authentication failed' },
      ],
    }, { soap: '1.1' });
    const [search, modify, error] = parseBatchResponse(xml);
    assert.deepEqual(search?.entries, [{ dn: 'uid=alice,ou=people,o=example', attributes: [{ type: 'cn', values: ['Alice'] }, { type: 'jpegPhoto', values: [Buffer.from([0xff, 0xd8, 0x00])] }, { type: 'description', values: [' padded '] }] }]);
    assert.deepEqual([search?.kind, search?.resultCode, search?.descr], ['searchResponse', 0, 'success']);
    assert.deepEqual([modify?.kind, modify?.resultCode, modify?.descr, modify?.errorMessage], ['modifyResponse', 8, 'strongAuthRequired', 'multi-factor authentication is outstanding']);
    assert.deepEqual([error?.kind, error?.descr, error?.errorMessage], ['errorResponse', 'authenticationFailed', 'authentication failed']);
  });

  it('turns a SOAP Fault or text that is not XML into an error', () => {
    assert.throws(() => parseBatchResponse(soapFault('1.1', 'Client', 'the payload could not be decrypted', 400).body), (e: unknown) => e instanceof DsmlAnswerError && e.fault === 'the payload could not be decrypted');
    assert.throws(() => parseBatchResponse('<batchResponse'), DsmlAnswerError);
  });
});
