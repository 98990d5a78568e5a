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

let directory: EmbeddedProfile | undefined;

/** Starts the embedded directory the script services live on for the calling describe block, and stops it after. */
export function useScriptDirectory(): void {
  before(async () => { directory = await startEmbeddedProfile(); });
  after(async () => {
    await directory?.close();
    directory = undefined;
  });
}

export async function scriptServices(clock: () => number, keys?: ScriptServices['keys']): Promise<ScriptServices & { codec: OpenTokenCodec }> {
  if (!directory) throw new Error('call useScriptDirectory() in the describe block, then scriptServices() from its tests');
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
