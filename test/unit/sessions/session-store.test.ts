import { startEmbeddedProfile, type EmbeddedProfile } from '../../helpers/embedded-profile.js';
import { lockoutScenarios, mfaScenarios, sessionStoreScenarios } from './scenarios/session-store.scenarios.js';

// The scenarios the slapd integration run shares, on the embedded directory:
// one server for the file, a fresh profile base per test.
describe('sessions on the embedded directory', () => {
  let directory: EmbeddedProfile;
  before(async () => { directory = await startEmbeddedProfile(); });
  after(async () => { await directory?.close(); });
  const profile = async () => directory.entries();

  describe('session store', () => sessionStoreScenarios(profile));
  describe('lock-out', () => lockoutScenarios(profile));
  describe('MFA enrolment', () => mfaScenarios(profile));
});
