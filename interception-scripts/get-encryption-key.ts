/**
 * getEncryptionKey (default): asks the IBE key server for the private key of
 * the session's identity (its application, id and secret, valid until the
 * session's end) and records the identity on the session so logoff revokes it
 * (unless the session was created with it recorded).
 */
import { DirgateError } from '../src/errors.js';
import type { ScriptModule } from '../src/scripts/types.js';
import { sessionIbeIdentity } from '../src/sessions/store.js';

const script: ScriptModule<'getEncryptionKey', Record<string, never>> = {
  configSchema: { type: 'object', additionalProperties: false, properties: {} },
  create(_config, { sessions, keys }) {
    return async ({ session }) => {
      if (!keys) throw new DirgateError('ERR_INTERNAL', 'no IBE key server is configured', { reason: 'keyserver-missing' });
      const identity = sessionIbeIdentity(session);
      const key = await keys.extract(identity, session.expiresAt);
      // createSession records it already when the key is asked for at login (recordIbeIdentity).
      if (session.ibe?.identity !== identity || session.ibe.expiresAt !== session.expiresAt) {
        await sessions.setIbeIdentity(session.id, identity, session.expiresAt);
      }
      return { identity, key, expiresAt: session.expiresAt };
    };
  },
};

export const { configSchema, create } = script;
