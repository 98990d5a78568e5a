/** Script services over the extended profile on the embedded directory, with a clock the test moves. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../../src/log.js';
import type { ScriptServices } from '../../../src/scripts/types.js';
import { OpenTokenCodec } from '../../../src/sessions/opentoken.js';
import { Sealer } from '../../../src/sessions/seal.js';
import { SessionStore } from '../../../src/sessions/store.js';
import { startEmbeddedProfile, type EmbeddedProfile } from '../../helpers/embedded-profile.js';

export const PASSWORD = 'demo-opentoken-password';
export const fixture = (name: string) => path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', name);

// The test files call scriptServices() from their own tests, so the directory's
// hooks are registered here, at the root: one server for every file that
// imports this harness, started before the run's first test, stopped after its last.
let directory: EmbeddedProfile | undefined;
before(async () => { directory = await startEmbeddedProfile(); });
after(async () => { await directory?.close(); });

export async function scriptServices(clock: () => number, keys?: ScriptServices['keys']): Promise<ScriptServices & { codec: OpenTokenCodec }> {
  if (!directory) throw new Error('the embedded directory starts in a root before() hook; call scriptServices() from a test');
  const entries = directory.entries();
  const codec = new OpenTokenCodec({ password: PASSWORD });
  const sessions = new SessionStore({
    entries, codec, sealer: new Sealer(PASSWORD, 'session-token'), clock,
    ...(keys ? { revokeIdentity: (identity: string) => keys.revoke(identity) } : {}),
  });
  return { sessions, codec, logger: silentLogger(), clock, ...(keys ? { keys } : {}) };
}

export const mobileDemo = { id: 'mobile-demo', mfa: 'none' as const, sessionIdleTimeout: 900, sessionMaxLifetime: 28800 };
export const bob = { dn: 'uid=bob,ou=people,o=example', loginName: 'bob', attributes: { uid: ['bob'], departmentNumber: ['42'] } };
