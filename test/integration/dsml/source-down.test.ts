/**
 * A source going down under a running gateway, on real slapd (the demo's
 * corp and hr suffixes on two servers): hr halts, and DSML clients get
 * couldNotConnect or unavailable (52), never the inside. The conformance
 * step (test/dsml/http/source-down.test.ts) covers the embedded directory and
 * corp, the users' own source, as well.
 */
import type { ScenarioEnv } from './scenarios/env.js';
import { hrDownScenarios } from './scenarios/source-down.js';
import { startDsmlSystem, type DsmlSystem } from './system.js';

describe('DSMLv2 over HTTP while a slapd source is down', function () {
  this.timeout(30_000);
  let system: DsmlSystem | undefined;
  const env: ScenarioEnv = {
    system: () => { if (!system) throw new Error('the system did not start'); return system; },
    record: () => undefined,
  };

  before(async () => {
    system = await startDsmlSystem({ directory: 'slapd' });
    await system.stopSource('hr');
  });
  after(async () => {
    await system?.close();
  });

  describe('hr halted', () => hrDownScenarios(env));
});
