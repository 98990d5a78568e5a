/**
 * afterOperation (default): returns the operation's result as it is. A
 * replacement may change the result (not the entries a search streamed).
 */
import type { ScriptModule } from '../src/scripts/types.js';

const script: ScriptModule<'afterOperation', Record<string, never>> = {
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
  create() {
    return ({ result }) => result;
  },
};

export const { configSchema, create } = script;
