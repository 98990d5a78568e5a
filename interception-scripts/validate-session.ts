/**
 * validateSession (default): checks `sessionId:sessionToken` against the
 * stored session (cached, coherent with logoff on any replica), renews the
 * token when due and records activity when due.
 */
import type { ScriptModule } from '../src/scripts/types.js';

const script: ScriptModule<'validateSession', Record<string, never>> = {
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
  create(_config, { sessions }) {
    return (input) => sessions.validate(input);
  },
};

export const { configSchema, create } = script;
