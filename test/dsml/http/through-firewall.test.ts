/**
 * The same DSMLv2 scenarios through the identity firewall (HTTPS, the demo's
 * self-signed certificate trusted and nothing else), with every part started
 * by runParts as `dirgate start` starts them: what a DSML client on the
 * network actually meets. Answers are validated against the OASIS schema;
 * the firewall's own refusals are SOAP Faults too. (The idle limit is tested
 * where the test owns the gateway's clock: dsml-over-http.test.ts.)
 */
import { batchModeScenarios } from '../../integration/dsml/scenarios/batch-modes.js';
import { dotnetScenarios } from '../../integration/dsml/scenarios/dotnet-client.js';
import { errorScenarios } from '../../integration/dsml/scenarios/errors.js';
import { requestKindScenarios } from '../../integration/dsml/scenarios/request-kinds.js';
import { valueScenarios } from '../../integration/dsml/scenarios/values.js';
import { startDsmlSystem, type DsmlSystem } from '../../integration/dsml/system.js';
import { AnswerRecorder } from './recorder.js';

describe('DSMLv2 conformance over HTTPS through the identity firewall, on the embedded directory', function () {
  this.timeout(60_000);
  let system: DsmlSystem | undefined;
  const recorder = new AnswerRecorder('firewall');
  const env = recorder.env(() => system);

  before(async () => {
    recorder.open();
    system = await startDsmlSystem({ directory: 'embedded', firewall: true });
  });
  after(async () => {
    await system?.close();
    recorder.close();
  });

  describe('every request kind', () => requestKindScenarios(env));
  describe('every batch mode', () => batchModeScenarios(env));
  describe('every value encoding', () => valueScenarios(env));
  describe('every error type', () => errorScenarios(env));
  describe('requests as .NET DsmlSoapHttpConnection writes them', () => dotnetScenarios(env));
  describe('schema', () => recorder.validationTest());
});
