/**
 * DSMLv2 over HTTP through the real gateway (startGateway, hop
 * authentication off) on the embedded directory with the demo data: every
 * request kind, batch mode, value encoding and error type, and requests as
 * .NET writes them, each write checked by reading the source with ldapts.
 * The conformance step runs the same scenarios on slapd and through the
 * firewall too, and validates every answer against the OASIS schema
 * (test/dsml/http).
 */
import { batchModeScenarios } from './scenarios/batch-modes.js';
import { dotnetIdleScenario, dotnetScenarios } from './scenarios/dotnet-client.js';
import type { ScenarioEnv } from './scenarios/env.js';
import { errorScenarios } from './scenarios/errors.js';
import { requestKindScenarios } from './scenarios/request-kinds.js';
import { valueScenarios } from './scenarios/values.js';
import { startDsmlSystem, type DsmlSystem } from './system.js';

describe('DSMLv2 over HTTP on the embedded demo directory', function () {
  this.timeout(30_000);
  let system: DsmlSystem | undefined;
  const env: ScenarioEnv = {
    system: () => { if (!system) throw new Error('the system did not start'); return system; },
    record: () => undefined,
  };

  before(async () => {
    system = await startDsmlSystem({ directory: 'embedded' });
  });
  after(async () => {
    await system?.close();
  });

  describe('every request kind', () => requestKindScenarios(env));
  describe('every batch mode', () => batchModeScenarios(env));
  describe('every value encoding', () => valueScenarios(env));
  describe('every error type', () => errorScenarios(env));
  describe('requests as .NET DsmlSoapHttpConnection writes them', () => {
    dotnetScenarios(env);
    dotnetIdleScenario(env);
  });
});

