/**
 * logoff (default): common logoff. Ends the session for every application
 * sharing it; the store logs the revocation for every replica, deletes the
 * entry and revokes the session's IBE identity at the key server.
 */
import type { ScriptModule } from '../src/scripts/types.js';

const script: ScriptModule<'logoff', Record<string, never>> = {
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
  create(_config, { sessions }) {
    return async ({ sessionId, reason }) => ({ ended: await sessions.end(sessionId, reason) });
  },
};

export const { configSchema, create } = script;
