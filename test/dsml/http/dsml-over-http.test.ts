/**
 * DSMLv2 conformance over HTTP through the real gateway, on the embedded demo
 * directory and on real slapd (the demo's corp and hr on two servers): every
 * request kind, batch mode, value encoding and error type, requests as .NET
 * writes them with the Microsoft session extension (a paged search across
 * SOAP requests, the idle limit), writes checked at the source with ldapts,
 * and every answer validated against the OASIS schema. Run by
 * scripts/conformance.mjs; the default suite runs the same scenarios on the
 * embedded directory without the schema check (test/integration/dsml).
 */
import { batchModeScenarios } from '../../integration/dsml/scenarios/batch-modes.js';
import { dotnetIdleScenario, dotnetPagedScenario, dotnetScenarios } from '../../integration/dsml/scenarios/dotnet-client.js';
import { errorScenarios } from '../../integration/dsml/scenarios/errors.js';
import { requestKindScenarios } from '../../integration/dsml/scenarios/request-kinds.js';
import { valueScenarios } from '../../integration/dsml/scenarios/values.js';
import { startDsmlSystem, type DirectoryKind, type DsmlSystem } from '../../integration/dsml/system.js';
import { AnswerRecorder } from './recorder.js';

for (const directory of ['embedded', 'slapd'] as DirectoryKind[]) {
  describe(`DSMLv2 conformance over HTTP, gateway on the ${directory} directory`, function () {
    this.timeout(60_000);
    let system: DsmlSystem | undefined;
    const recorder = new AnswerRecorder(directory);
    const env = recorder.env(() => system);

    before(async () => {
      recorder.open();
      system = await startDsmlSystem({ directory });
    });
    after(async () => {
      await system?.close();
      recorder.close();
    });

    describe('every request kind', () => requestKindScenarios(env));
    describe('every batch mode', () => batchModeScenarios(env));
    describe('every value encoding', () => valueScenarios(env));
    describe('every error type', () => errorScenarios(env));
    describe('requests as .NET DsmlSoapHttpConnection writes them, and its session extension', () => {
      dotnetScenarios(env);
      dotnetIdleScenario(env);
      dotnetPagedScenario(env);
    });
    describe('schema', () => recorder.validationTest());
  });
}
