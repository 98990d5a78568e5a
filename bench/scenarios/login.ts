/**
 * login: password logins through the gateway alone, no discovery first: each
 * one binds as the user (corp), creates the session in the extended profile
 * (an LDAP add), has the key server extract the session's IBE key and wraps
 * the session's content key to it, and answers the session entry. Spread over
 * all people, so no lock-out counter or cache makes one cheaper than the next.
 */
import { basic, loginSearch } from '../lib/dsml-requests.js';
import { runHttp, type HttpLoad } from '../lib/http-load.js';
import { passwordOf, uidOf } from '../lib/people.js';
import { measure, resultOf, type Scenario } from '../lib/scenario.js';
import { spread } from '../lib/spread.js';
import { BENCH_APP } from '../lib/system-config.js';
import { loginSessions, startSystem } from '../lib/system.js';

const isSession = (body: string): boolean =>
  body.includes('sessionToken') && body.includes('sessionKey') && body.includes('code="0"') && !body.includes('errorResponse');

export const login: Scenario = {
  name: 'login',
  summary: 'password logins through the gateway alone (bind + session + key extraction + wrap), spread over all people',
  async run(ctx) {
    const dir = await ctx.fixtures.directory(ctx.options.people);
    const system = await startSystem(ctx.fixtures, dir, { front: 'none', cache: true });
    // One login through the SDK first: it verifies the returned key against the master public key.
    const probe = await loginSessions(system, 1);
    await probe.close();

    const pick = spread(dir.count);
    const body = Buffer.from(loginSearch());
    // Every pass starts its own count at 0: keep one across passes so each login is a different person's next one.
    let n = 0;
    const load: HttpLoad = {
      origin: system.entryUrl,
      connections: ctx.options.connections,
      request: () => {
        const who = pick(n++);
        return {
          method: 'POST',
          path: '/dsml',
          headers: { 'content-type': 'text/xml; charset=utf-8', 'x-dirgate-app': BENCH_APP, authorization: basic(uidOf(who), passwordOf(who)) },
          body,
        };
      },
      check: isSession,
    };
    const m = await measure(ctx, system.processes, (pass) => runHttp(load, pass));
    return [resultOf('login', m, { people: dir.count })];
  },
};
