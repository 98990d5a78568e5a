/**
 * The application registry as the gateway's session side reads it: who may
 * call (X-Dirgate-App, optional secret or client certificate), how its users
 * log in, its MFA and timeout policy, which applications share its sessions,
 * and whether its payloads must be encrypted. Parsed once from `applications`.
 */
import type { Config } from '../../config/types.js';
import type { ApplicationPolicy as ScriptApplicationPolicy } from '../../scripts/types.js';

export type AuthMethod = 'password' | 'jwt' | 'certificate';

export interface Application {
  id: string;
  secretHash?: string;
  clientCertificateSubject?: string;
  authMethods: AuthMethod[];
  mfa: 'none' | 'totp';
  /** Seconds. */
  sessionIdleTimeout: number;
  /** Seconds. */
  sessionMaxLifetime: number;
  shareSessionsWith: string[];
  userCredentialsOnDsml: boolean;
  encryption: 'optional' | 'required';
}

/** The schema's defaults, for entries built in code without the loader. */
function withDefaults(raw: Record<string, unknown>): Application {
  return {
    id: String(raw.id),
    ...(typeof raw.secretHash === 'string' ? { secretHash: raw.secretHash } : {}),
    ...(typeof raw.clientCertificateSubject === 'string' ? { clientCertificateSubject: raw.clientCertificateSubject } : {}),
    authMethods: (raw.authMethods as AuthMethod[] | undefined) ?? ['password'],
    mfa: (raw.mfa as Application['mfa'] | undefined) ?? 'none',
    sessionIdleTimeout: (raw.sessionIdleTimeout as number | undefined) ?? 900,
    sessionMaxLifetime: (raw.sessionMaxLifetime as number | undefined) ?? 28_800,
    shareSessionsWith: (raw.shareSessionsWith as string[] | undefined) ?? [],
    userCredentialsOnDsml: (raw.userCredentialsOnDsml as boolean | undefined) ?? false,
    encryption: (raw.encryption as Application['encryption'] | undefined) ?? 'optional',
  };
}

export class ApplicationRegistry {
  readonly #apps: Map<string, Application>;

  constructor(applications: ReadonlyArray<Record<string, unknown>>) {
    this.#apps = new Map(applications.map((raw) => {
      const app = withDefaults(raw);
      return [app.id, app];
    }));
  }

  static fromConfig(config: Pick<Config, 'applications'>): ApplicationRegistry {
    return new ApplicationRegistry(config.applications);
  }

  get(id: string | undefined): Application | undefined {
    return id === undefined ? undefined : this.#apps.get(id);
  }

  all(): Application[] {
    return [...this.#apps.values()];
  }
}

/** What the interception scripts are told of an application. */
export function scriptPolicy(app: Application): ScriptApplicationPolicy {
  return { id: app.id, mfa: app.mfa, sessionIdleTimeout: app.sessionIdleTimeout, sessionMaxLifetime: app.sessionMaxLifetime };
}
