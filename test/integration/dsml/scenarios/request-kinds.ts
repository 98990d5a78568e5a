/**
 * Every DSMLv2 request kind over HTTP, on the demo data: the whole filter
 * grammar, search options, add, modify, delete, modDN and compare (each write
 * checked by reading the source directly), extended, abandon and authRequest.
 */
import assert from 'node:assert/strict';
import {
  ANY, WHO_AM_I, addRequest, answerFor, answersOf, batch, corpPerson, equality, hrPerson, modifyRequest, person,
  PEOPLE, readSource, searchRequest, soap11, sourceStrings, text, uidsOf,
} from '../dsml-client.js';
import { ADMIN, ALICE, assertRefusedByFirewall, DEMO_PEOPLE, demoOnly, fresh, post, type ScenarioEnv } from './env.js';

/** [requestID, filter, the demo people it matches] */
const FILTERS: Array<[string, string, string[]]> = [
  ['equalityMatch', equality('uid', 'alice'), ['alice']],
  ['equalityMatch-hr-attribute', equality('title', 'engineer'), ['alice']],
  ['substrings-initial', '<substrings name="cn"><initial>a</initial></substrings>', ['alice']],
  ['substrings-any', '<substrings name="cn"><any>o</any></substrings>', DEMO_PEOPLE],
  ['substrings-final', '<substrings name="sn"><final>son</final></substrings>', ['alice']],
  ['substrings-all', '<substrings name="cn"><initial>C</initial><any>rol</any><final>ark</final></substrings>', ['carol']],
  // createTimestamp has an ordering rule in every LDAP server (most demo attributes have none).
  ['greaterOrEqual', '<greaterOrEqual name="createTimestamp"><value>19700101000000Z</value></greaterOrEqual>', DEMO_PEOPLE],
  ['greaterOrEqual-none', '<greaterOrEqual name="createTimestamp"><value>29991231000000Z</value></greaterOrEqual>', []],
  ['lessOrEqual', '<lessOrEqual name="createTimestamp"><value>29991231000000Z</value></lessOrEqual>', DEMO_PEOPLE],
  ['lessOrEqual-none', '<lessOrEqual name="createTimestamp"><value>19700101000000Z</value></lessOrEqual>', []],
  ['present', '<present name="employeeNumber"/>', DEMO_PEOPLE],
  ['present-binary', '<present name="jpegPhoto"/>', ['alice']],
  ['approxMatch', '<approxMatch name="cn"><value>Alice Anderson</value></approxMatch>', ['alice']],
  ['extensibleMatch-rule', '<extensibleMatch name="cn" matchingRule="caseExactMatch"><value>Bob Brown</value></extensibleMatch>', ['bob']],
  ['extensibleMatch-oid', '<extensibleMatch name="cn" matchingRule="2.5.13.2"><value>bob brown</value></extensibleMatch>', ['bob']],
  ['extensibleMatch-no-rule', '<extensibleMatch name="sn"><value>Clark</value></extensibleMatch>', ['carol']],
  ['extensibleMatch-dnAttributes', '<extensibleMatch name="ou" dnAttributes="true"><value>people</value></extensibleMatch>', DEMO_PEOPLE],
  ['and', `<and><present name="mail"/>${equality('departmentNumber', '42')}</and>`, ['alice', 'bob', 'carol']],
  ['or', `<or>${equality('uid', 'bob')}${equality('uid', 'carol')}</or>`, ['bob', 'carol']],
  ['not', `<not>${equality('departmentNumber', '42')}</not>`, ['admin']],
  ['nested', `<and><or><substrings name="uid"><initial>a</initial></substrings>${equality('title', 'Support Engineer')}</or><not><present name="jpegPhoto"/></not></and>`, ['admin', 'bob']],
];

export function requestKindScenarios(env: ScenarioEnv): void {
  it('search: every element of the filter grammar, alone and nested, in one batch', async () => {
    const ops = FILTERS.map(([id, filter]) => searchRequest(id, PEOPLE, filter, { attributes: ['uid'] })).join('');
    const r = await post(env, 'search-filters', soap11(batch(ops, 'onError="resume"')));
    assert.equal(r.status, 200);
    for (const [id, , expected] of FILTERS) {
      const a = answerFor(r.body, id);
      assert.equal(a.kind, 'searchResponse', id);
      assert.equal(a.resultCode, 0, `${id}: ${a.errorMessage ?? ''}`);
      assert.deepEqual(demoOnly(uidsOf(a)), expected, id);
    }
  });

  it('search: scopes, size limit, time limit, typesOnly, attribute lists and every derefAliases value', async () => {
    const ops = [
      searchRequest('base', person('bob'), ANY, { scope: 'baseObject', attributes: ['uid'] }),
      searchRequest('one', PEOPLE, equality('uid', 'bob'), { scope: 'singleLevel' }),
      searchRequest('sub', 'o=example', equality('uid', 'bob'), { scope: 'wholeSubtree', attributes: ['uid'] }),
      searchRequest('size', PEOPLE, ANY, { sizeLimit: 2, attributes: ['uid'] }),
      searchRequest('time', PEOPLE, equality('uid', 'carol'), { timeLimit: 5, attributes: ['uid'] }),
      searchRequest('types', person('alice'), ANY, { scope: 'baseObject', typesOnly: true, attributes: ['cn', 'mail', 'jpegPhoto'] }),
      searchRequest('attrs', person('alice'), ANY, { scope: 'baseObject', attributes: ['UID', 'title'] }),
      ...['neverDerefAliases', 'derefInSearching', 'derefFindingBaseObj', 'derefAlways']
        .map((deref) => searchRequest(deref, person('carol'), ANY, { scope: 'baseObject', deref, attributes: ['uid'] })),
    ].join('');
    const r = await post(env, 'search-options', batch(ops, 'onError="resume"'));
    const one = (id: string) => answerFor(r.body, id);

    assert.deepEqual(uidsOf(one('base')), ['bob']);
    assert.deepEqual(one('base').entries[0]!.dn, person('bob'));
    assert.deepEqual(uidsOf(one('one')), ['bob']);
    assert.ok(text(one('one').entries[0]!, 'mail').length === 1, 'no attribute list: every user attribute');
    assert.deepEqual(uidsOf(one('sub')), ['bob']);
    assert.equal(one('size').resultCode, 4, 'sizeLimitExceeded');
    assert.equal(one('size').descr, 'sizeLimitExceeded');
    assert.ok(one('size').entries.length <= 2);
    assert.deepEqual(uidsOf(one('time')), ['carol']);
    const typesOnly = one('types').entries[0]!;
    assert.deepEqual([...typesOnly.attrs.keys()].map((k) => k.toLowerCase()).sort(), ['cn', 'jpegphoto', 'mail']);
    for (const [name, vs] of typesOnly.attrs) assert.deepEqual(vs, [], `typesOnly: ${name} has no values`);
    const chosen = one('attrs').entries[0]!;
    assert.deepEqual([...chosen.attrs.keys()].map((k) => k.toLowerCase()).sort(), ['title', 'uid']);
    assert.deepEqual(text(chosen, [...chosen.attrs.keys()].find((k) => k.toLowerCase() === 'title')!), ['Engineer']);
    for (const deref of ['neverDerefAliases', 'derefInSearching', 'derefFindingBaseObj', 'derefAlways']) {
      assert.deepEqual(uidsOf(one(deref)), ['carol'], deref);
    }
  });

  it('add: the new person is in corp, and what HR keeps is in hr, as the sources hold them', async () => {
    const uid = fresh('add');
    const mail = `${uid}@corp.example`;
    const r = await post(env, 'add', batch(addRequest('a', person(uid), {
      objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'], uid: [uid], cn: ['Erin Example'], sn: ['Example'], mail: [mail], title: ['Intern'],
    })));
    const a = answerFor(r.body, 'a');
    assert.equal(a.kind, 'addResponse');
    assert.equal(a.resultCode, 0, a.errorMessage);
    const corp = await env.system().source('corp');
    assert.deepEqual(await sourceStrings(corp, corpPerson(uid), 'cn'), ['Erin Example']);
    assert.deepEqual(await sourceStrings(corp, corpPerson(uid), 'mail'), [mail]);
    const hr = await env.system().source('hr');
    assert.deepEqual(await sourceStrings(hr, hrPerson(mail), 'title'), ['Intern']);
  });

  it('modify: add, replace and delete of values, each as the source then holds it', async () => {
    const uid = await addPerson(env, 'modify');
    const dn = person(uid);
    const r = await post(env, 'modify', batch(
      modifyRequest('add', dn, [['add', 'telephoneNumber', ['+1 555 0111', '+1 555 0112']], ['add', 'description', ['first']]])
      + modifyRequest('replace', dn, [['replace', 'description', ['second', 'third']], ['replace', 'title', ['Analyst']]])
      + modifyRequest('delete', dn, [['delete', 'telephoneNumber', ['+1 555 0111']]]),
    ));
    for (const id of ['add', 'replace', 'delete']) {
      const a = answerFor(r.body, id);
      assert.equal(a.kind, 'modifyResponse');
      assert.equal(a.resultCode, 0, `${id}: ${a.errorMessage ?? ''}`);
    }
    const corp = await env.system().source('corp');
    assert.deepEqual(await sourceStrings(corp, corpPerson(uid), 'telephoneNumber'), ['+1 555 0112']);
    assert.deepEqual((await sourceStrings(corp, corpPerson(uid), 'description'))!.sort(), ['second', 'third']);
    const hr = await env.system().source('hr');
    assert.deepEqual(await sourceStrings(hr, hrPerson(`${uid}@corp.example`), 'title'), ['Analyst']);

    const wholeAttribute = await post(env, 'modify-delete-attribute', batch(modifyRequest('m', dn, [['delete', 'description', []]])));
    assert.equal(answerFor(wholeAttribute.body, 'm').resultCode, 0);
    assert.deepEqual(await sourceStrings(corp, corpPerson(uid), 'description'), []);
  });

  it('modify: a user changes their own phone number with their own credentials, and nobody else\'s', async () => {
    const r = await post(env, 'modify-self', batch(
      modifyRequest('own', person('alice'), [['replace', 'mobile', ['+1 555 0177']]])
      + modifyRequest('other', person('bob'), [['replace', 'mobile', ['+1 555 0166']]]),
      'onError="resume"',
    ), ALICE);
    assert.equal(answerFor(r.body, 'own').resultCode, 0);
    assert.equal(answerFor(r.body, 'other').resultCode, 50, 'insufficientAccessRights');
    const corp = await env.system().source('corp');
    assert.deepEqual(await sourceStrings(corp, corpPerson('alice'), 'mobile'), ['+1 555 0177']);
    assert.deepEqual(await sourceStrings(corp, corpPerson('bob'), 'mobile'), []);
  });

  it('modDN: the entry is renamed in the source, the old name gone', async () => {
    const uid = await addPerson(env, 'moddn');
    const renamed = `${uid}-renamed`;
    const r = await post(env, 'moddn', batch(`<modDNRequest requestID="r" dn="${person(uid)}" newrdn="uid=${renamed}" deleteoldrdn="true"/>`));
    const a = answerFor(r.body, 'r');
    assert.equal(a.kind, 'modDNResponse');
    assert.equal(a.resultCode, 0, a.errorMessage);
    const corp = await env.system().source('corp');
    assert.equal(await readSource(corp, corpPerson(uid)), undefined);
    assert.deepEqual(await sourceStrings(corp, corpPerson(renamed), 'uid'), [renamed]);
    const seen = await post(env, 'moddn-search', batch(searchRequest('s', person(renamed), ANY, { scope: 'baseObject', attributes: ['uid'] })));
    assert.deepEqual(uidsOf(answerFor(seen.body, 's')), [renamed]);
  });

  it('delete: the entry is gone from the source; a second delete is noSuchObject', async () => {
    const uid = await addPerson(env, 'del');
    const r = await post(env, 'del', batch(`<delRequest requestID="d1" dn="${person(uid)}"/><delRequest requestID="d2" dn="${person(uid)}"/>`, 'onError="resume"'));
    assert.equal(answerFor(r.body, 'd1').kind, 'delResponse');
    assert.equal(answerFor(r.body, 'd1').resultCode, 0);
    assert.equal(answerFor(r.body, 'd2').resultCode, 32);
    assert.equal(await readSource(await env.system().source('corp'), corpPerson(uid)), undefined);
  });

  it('compare: compareTrue and compareFalse on corp and on hr attributes', async () => {
    const cmp = (id: string, name: string, value: string) => `<compareRequest requestID="${id}" dn="${person('bob')}"><assertion name="${name}"><value>${value}</value></assertion></compareRequest>`;
    const r = await post(env, 'compare', batch(cmp('t1', 'sn', 'Brown') + cmp('f1', 'sn', 'Green') + cmp('t2', 'title', 'Support Engineer') + cmp('f2', 'title', 'Engineer'), 'onError="resume"'));
    for (const [id, code, descr] of [['t1', 6, 'compareTrue'], ['f1', 5, 'compareFalse'], ['t2', 6, 'compareTrue'], ['f2', 5, 'compareFalse']] as const) {
      const a = answerFor(r.body, id);
      assert.equal(a.kind, 'compareResponse');
      assert.deepEqual([a.resultCode, a.descr], [code, descr], id);
    }
  });

  it('extended: Who am I? is answered by an extendedResponse with its requestID; only writers may ask', async () => {
    const xr = `<extendedRequest requestID="x"><requestName>${WHO_AM_I}</requestName></extendedRequest>`;
    const admin = answerFor((await post(env, 'extended-admin', batch(xr))).body, 'x');
    assert.equal(admin.kind, 'extendedResponse');
    if (admin.resultCode === 0) {
      assert.equal(admin.response?.toString('utf8'), `dn:${person('admin')}`);
    } else {
      // The virtual directory does not carry extended operations yet (reported): it says so in LDAP terms.
      assert.deepEqual([admin.resultCode, admin.descr], [53, 'unwillingToPerform']);
    }
    const alice = answerFor((await post(env, 'extended-alice', batch(xr), ALICE)).body, 'x');
    assert.deepEqual([alice.kind, alice.resultCode], ['extendedResponse', 50]);
  });

  it('abandon: it has no response, and the later operation it names is not run (through the firewall too: an abandon reaches only its own batch)', async () => {
    const uid = fresh('abandoned');
    const r = await post(env, 'abandon', batch(
      '<abandonRequest requestID="ab" abandonID="doomed"/>'
      + addRequest('doomed', person(uid), { objectClass: ['inetOrgPerson'], uid: [uid], cn: ['x'], sn: ['x'], mail: [`${uid}@corp.example`] })
      + '<abandonRequest requestID="ab2" abandonID="no-such-request"/>'
      + searchRequest('kept', person('bob'), ANY, { scope: 'baseObject', attributes: ['uid'] }),
    ));
    assert.deepEqual(answersOf(r.body).answers.map((a) => a.requestID), ['kept']);
    assert.equal(await readSource(await env.system().source('corp'), corpPerson(uid)), undefined);
  });

  it('authRequest: an administrator acts as bob for the rest of the batch, with bob\'s rights', async () => {
    const uid = fresh('auth');
    const add = addRequest('after', person(uid), { objectClass: ['inetOrgPerson'], uid: [uid], cn: ['x'], sn: ['x'], mail: [`${uid}@corp.example`] });
    const read = searchRequest('read', person('bob'), ANY, { scope: 'baseObject', attributes: ['uid'] });
    const r = await post(env, 'auth-proxy', batch(`<authRequest requestID="auth" principal="dn:${person('bob')}"/>${read}${add}`, 'onError="resume"'));
    if (env.system().throughFirewall) {
      // "Proxied authorization is not offered to applications through the firewall" (src/firewall/operations.ts).
      assertRefusedByFirewall(r);
      assert.equal(await readSource(await env.system().source('corp'), corpPerson(uid)), undefined);
      return;
    }
    const auth = answerFor(r.body, 'auth');
    assert.deepEqual([auth.kind, auth.resultCode], ['authResponse', 0]);
    assert.equal(answerFor(r.body, 'read').kind, 'searchResponse');
    // bob may read people but not add them: the add runs as bob, not as the administrator.
    assert.equal(answerFor(r.body, 'after').resultCode, 50);
    assert.equal(await readSource(await env.system().source('corp'), corpPerson(uid)), undefined);
  });

  it('authRequest: refused for a caller who is not an administrator, and then nothing after it runs as anyone', async () => {
    const uid = fresh('auth-refused');
    const add = addRequest('after', person(uid), { objectClass: ['inetOrgPerson'], uid: [uid], cn: ['x'], sn: ['x'], mail: [`${uid}@corp.example`] });
    const resume = await post(env, 'auth-resume', batch(`<authRequest requestID="auth" principal="dn:${person('bob')}"/>${add}`, 'onError="resume"'), ALICE);
    if (env.system().throughFirewall) {
      assertRefusedByFirewall(resume);
      assert.equal(await readSource(await env.system().source('corp'), corpPerson(uid)), undefined);
      return;
    }
    const auth = answerFor(resume.body, 'auth');
    assert.deepEqual([auth.kind, auth.resultCode], ['authResponse', 50]);
    assert.deepEqual([answerFor(resume.body, 'after').kind, answerFor(resume.body, 'after').errorType], ['errorResponse', 'notAttempted']);
    const exit = await post(env, 'auth-exit', batch(`<authRequest requestID="auth" principal="u:nobody-here"/>${add}`));
    assert.deepEqual(answersOf(exit.body).answers.map((a) => a.requestID), ['auth']);
    assert.equal(answerFor(exit.body, 'auth').resultCode, 50);
    assert.equal(await readSource(await env.system().source('corp'), corpPerson(uid)), undefined);
  });
}

/** Adds a person through dirgate as the admin (corp and hr parts); returns the uid. */
export async function addPerson(env: ScenarioEnv, label: string, extra: Record<string, Array<string | Buffer>> = {}): Promise<string> {
  const uid = fresh(label);
  const r = await env.system().post(batch(addRequest('a', person(uid), {
    objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'], uid: [uid], cn: [`Test ${label}`], sn: ['Test'], mail: [`${uid}@corp.example`], title: ['Tester'], ...extra,
  })), ADMIN);
  const a = answerFor(r.body, 'a');
  assert.equal(a.resultCode, 0, `adding ${uid}: ${a.errorType ?? a.errorMessage ?? ''}`);
  return uid;
}
