import { memoryProfileEntries } from '../../../src/sessions/profile-entries.js';
import { ensureContainer } from '../../../src/sessions/records.js';
import { lockoutScenarios, mfaScenarios, sessionStoreScenarios } from './scenarios/session-store.scenarios.js';

async function profile() {
  const entries = memoryProfileEntries('ou=dirgate,dc=corp,dc=example');
  await ensureContainer(entries, entries.baseDn);
  return entries;
}

describe('session store (in-memory profile)', () => sessionStoreScenarios(profile));
describe('lock-out (in-memory profile)', () => lockoutScenarios(profile));
describe('MFA enrolment (in-memory profile)', () => mfaScenarios(profile));
