/**
 * A source that is down, over HTTP, on both directories: hr (a contributor)
 * and then corp (the users' own source, where user credentials are checked).
 * slapd servers are halted under the running gateway; the embedded
 * directory's hr is a source whose address answers nothing, and stopping the
 * embedded directory takes corp (and everything) down. Every answer is
 * validated against the OASIS schema.
 */
import type { ScenarioEnv } from '../../integration/dsml/scenarios/env.js';
import { corpDownScenarios, hrDownExactAnswerScenarios, hrDownScenarios } from '../../integration/dsml/scenarios/source-down.js';
import { startDsmlSystem, type DirectoryKind, type DsmlSystem } from '../../integration/dsml/system.js';
import { freePort } from '../../helpers/ports.js';
import { AnswerRecorder } from './recorder.js';

for (const directory of ['embedded', 'slapd'] as DirectoryKind[]) {
  describe(`DSMLv2 over HTTP with a source down, gateway on the ${directory} directory`, function () {
    this.timeout(60_000);
    let system: DsmlSystem | undefined;
    const recorder = new AnswerRecorder(`${directory}-down`);
    const env: ScenarioEnv = recorder.env(() => system);

    before(async () => {
      recorder.open();
      if (directory === 'slapd') {
        system = await startDsmlSystem({ directory });
        await system.stopSource('hr');
      } else {
        // The embedded directory serves both suffixes: hr goes down as an address nobody answers on.
        const nowhere = `ldap://127.0.0.1:${await freePort()}`;
        system = await startDsmlSystem({ directory, tweak: (raw) => { raw.sources.find((s: { name: string }) => s.name === 'hr').urls = [nowhere]; } });
      }
    });
    after(async () => {
      await system?.close();
      recorder.close();
    });

    describe('hr down', () => {
      hrDownScenarios(env);
      hrDownExactAnswerScenarios(env);
    });
    describe('corp down too', () => {
      before(async () => { await system!.stopSource('corp'); });
      corpDownScenarios(env);
    });
    describe('schema', () => recorder.validationTest(['soap11']));
  });
}
