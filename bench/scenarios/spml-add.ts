/**
 * spml-add: SPMLv2 addRequests through the gateway alone, as the provisioning
 * administrator's session: each creates a new person in the people target,
 * written to corp and, for the hr attributes, provisioned into hr (two LDAP
 * adds), with the target's schema checks, the access check and the audit line.
 */
import { randomBytes } from 'node:crypto';
import { runHttp, type HttpLoad } from '../lib/http-load.js';
import { ADMIN_PASSWORD, ADMIN_UID } from '../lib/people.js';
import { measure, resultOf, type Scenario } from '../lib/scenario.js';
import { BENCH_APP } from '../lib/system-config.js';
import { startSystem } from '../lib/system.js';

function addRequest(uid: string, n: number): string {
  const attr = (name: string, value: string) => `<dsml:attr name="${name}"><dsml:value>${value}</dsml:value></dsml:attr>`;
  return '<?xml version="1.0" encoding="UTF-8"?>'
    + '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    + `<spml:addRequest xmlns:spml="urn:oasis:names:tc:SPML:2:0" xmlns:dsml="urn:oasis:names:tc:DSML:2:0:core" requestID="add-${n}" targetID="people" returnData="identifier">`
    + '<spml:data>'
    + attr('objectClass', 'inetOrgPerson') + attr('uid', uid) + attr('cn', `New Person ${n}`) + attr('sn', `Person ${n}`)
    + attr('mail', `${uid}@corp.example`) + attr('telephoneNumber', '+1 555 0199')
    + attr('employeeNumber', String(900_000_000 + n)) + attr('title', 'Provisioned')
    + '</spml:data></spml:addRequest></soap:Body></soap:Envelope>';
}

const isAdded = (body: string): boolean => /<spml:addResponse[^>]*status="success"/.test(body) || /addResponse[^>]*status="success"/.test(body);

export const spmlAdd: Scenario = {
  name: 'spml-add',
  summary: 'SPMLv2 adds of new people (corp + provisioned hr) by the administrator\'s session, through the gateway alone',
  async run(ctx) {
    const dir = await ctx.fixtures.directory(ctx.options.people);
    const system = await startSystem(ctx.fixtures, dir, { front: 'none', cache: true });
    const client = system.client();
    ctx.fixtures.onScenarioEnd(() => client.close());
    const admin = await client.loginWithPassword(ADMIN_UID, ADMIN_PASSWORD);
    // Names unique to this run, so a second run on the same directory adds, not collides.
    const run = randomBytes(4).toString('hex');
    let n = 0;
    const load: HttpLoad = {
      origin: system.entryUrl,
      connections: ctx.options.connections,
      request: () => {
        const i = n++;
        return {
          method: 'POST',
          path: '/spml',
          headers: { 'content-type': 'text/xml; charset=utf-8', 'x-dirgate-app': BENCH_APP, authorization: admin.authorization },
          body: addRequest(`new-${run}-${i}`, i),
        };
      },
      check: isAdded,
    };
    const m = await measure(ctx, system.processes, (pass) => runHttp(load, pass));
    return [resultOf('spml-add', m, { people: dir.count })];
  },
};
