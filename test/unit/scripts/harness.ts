/** Script services over an in-memory profile, with a clock the test moves. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../../src/log.js';
import type { ScriptServices } from '../../../src/scripts/types.js';
import { OpenTokenCodec } from '../../../src/sessions/opentoken.js';
import { memoryProfileEntries } from '../../../src/sessions/profile-entries.js';
import { ensureContainer } from '../../../src/sessions/records.js';
import { Sealer } from '../../../src/sessions/seal.js';
import { SessionStore } from '../../../src/sessions/store.js';

export const PASSWORD = 'demo-opentoken-password';
export const fixture = (name: string) => path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', name);

export async function scriptServices(clock: () => number, keys?: ScriptServices['keys']): Promise<ScriptServices & { codec: OpenTokenCodec }> {
  const entries = memoryProfileEntries('ou=dirgate,dc=corp,dc=example');
  await ensureContainer(entries, entries.baseDn);
  const codec = new OpenTokenCodec({ password: PASSWORD });
  const sessions = new SessionStore({
    entries, codec, sealer: new Sealer(PASSWORD, 'session-token'), clock,
    ...(keys ? { revokeIdentity: (identity: string) => keys.revoke(identity) } : {}),
  });
  return { sessions, codec, logger: silentLogger(), clock, ...(keys ? { keys } : {}) };
}

export const mobileDemo = { id: 'mobile-demo', mfa: 'none' as const, sessionIdleTimeout: 900, sessionMaxLifetime: 28800 };
export const bob = { dn: 'uid=bob,ou=people,o=example', loginName: 'bob', attributes: { uid: ['bob'], departmentNumber: ['42'] } };
