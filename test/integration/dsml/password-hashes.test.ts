/**
 * Password hashes never leave through the gateway: not in an all-attributes
 * search (even an administrator's), and not through a filter or a compare that
 * could be used to guess them.
 */
import assert from 'node:assert/strict';
import { ANY, answerFor, batch, searchRequest } from './dsml-client.js';
import { ADMIN, ALICE } from './scenarios/env.js';
import { startDsmlSystem, type DsmlSystem } from './system.js';

const PEOPLE = 'ou=people,o=example';

describe('password hashes through DSML', function () {
  this.timeout(60_000);
  let system: DsmlSystem;
  before(async () => { system = await startDsmlSystem({ directory: 'embedded' }); });
  after(async () => { await system?.close(); });

  for (const [who, creds] of [['alice', ALICE], ['the administrator', ADMIN]] as const) {
    it(`leaves userPassword out of every entry ${who} reads, even when asked for it by name`, async () => {
      const r = await system.post(batch(
        searchRequest('all', PEOPLE, ANY, { scope: 'singleLevel' })
        + searchRequest('named', PEOPLE, ANY, { scope: 'singleLevel', attributes: ['uid', 'userPassword'] }),
      ), creds);
      for (const id of ['all', 'named']) {
        const a = answerFor(r.body, id);
        assert.equal(a.resultCode, 0, r.body);
        assert.ok(a.entries.length >= 4, `${id}: the demo people are there`);
        for (const e of a.entries) assert.ok(![...e.attrs.keys()].some((k) => k.toLowerCase() === 'userpassword'), `${id}: ${e.dn}`);
      }
    });
  }

  it('refuses a filter and a compare on userPassword, which could be used to guess it', async () => {
    const r = await system.post(batch(
      searchRequest('probe', PEOPLE, '<substrings name="userPassword"><initial>{SSHA</initial></substrings>', { scope: 'singleLevel' })
      + `<compareRequest requestID="cmp" dn="uid=bob,${PEOPLE}"><assertion name="userPassword"><value>bob-pass</value></assertion></compareRequest>`,
      'onError="resume"',
    ), ADMIN);
    assert.equal(answerFor(r.body, 'probe').resultCode, 50, r.body);
    assert.equal(answerFor(r.body, 'cmp').resultCode, 50, r.body);
  });
});
