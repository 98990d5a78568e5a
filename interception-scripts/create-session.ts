/**
 * createSession (default): makes the session in the extended profile and its
 * OpenToken, with MFA pending when the application requires TOTP (otherwise
 * with the session's IBE identity already recorded, which getEncryptionKey
 * then need not write). Optionally copies user attributes into the token as
 * extra claims.
 */
import type { ScriptModule } from '../src/scripts/types.js';

interface Config {
  /** Token claim name -> user attribute whose values it carries. */
  claimsFromAttributes: Record<string, string>;
}

const script: ScriptModule<'createSession', Config> = {
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      claimsFromAttributes: {
        type: 'object',
        propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', not: { enum: ['subject', 'sessionId', 'app', 'not-before', 'not-on-or-after', 'renew-until'] } },
        additionalProperties: { type: 'string', minLength: 1 },
        default: {},
      },
    },
  },
  create(config, { sessions }) {
    return async ({ user, app }) => {
      const claims: Record<string, string[]> = {};
      for (const [claim, attribute] of Object.entries(config.claimsFromAttributes)) {
        const key = Object.keys(user.attributes).find((k) => k.toLowerCase() === attribute.toLowerCase());
        if (key && user.attributes[key]!.length) claims[claim] = user.attributes[key]!;
      }
      return sessions.create({
        user: user.dn,
        app: app.id,
        idleTimeout: app.sessionIdleTimeout,
        maxLifetime: app.sessionMaxLifetime,
        mfaRequired: app.mfa === 'totp',
        claims,
        // Without MFA the key is asked for right away (getEncryptionKey): record its identity in the same write.
        recordIbeIdentity: app.mfa !== 'totp',
      });
    };
  },
};

export const { configSchema, create } = script;
