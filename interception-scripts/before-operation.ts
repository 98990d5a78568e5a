/**
 * beforeOperation (default): lets every directory operation through as it is.
 * A replacement may rewrite the request or refuse it by throwing a DirgateError.
 */
import type { ScriptModule } from '../src/scripts/types.js';

const script: ScriptModule<'beforeOperation', Record<string, never>> = {
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
  create() {
    return ({ operation }) => operation;
  },
};

export const { configSchema, create } = script;
