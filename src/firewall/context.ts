/**
 * What one request carries through the pipeline, and the firewall's shared
 * services the checks consult. A check is a function of the two that either
 * returns (pass) or throws a FirewallRefusal.
 */
import type { IncomingMessage } from 'node:http';
import type { CompiledApplication } from './applications.js';
import type { AppSecretVerifier } from './app-secret.js';
import type { CertIdentity } from './client-cert.js';
import type { ClientIpResolver } from './client-ip.js';
import type { Credentials } from './credentials.js';
import type { IpRules } from './ip-rules.js';
import type { RateLimits } from './rate-limits.js';
import type { RouteSpec } from './routes.js';
import type { FirewallSettings } from './settings.js';
import type { XmlSummary } from './xml-screen.js';

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly requestId: string;
  /** performance.now() when the head had arrived. */
  readonly started: number;
  /** Path without the query, exactly as sent. */
  readonly path: string;
  clientIp: string;
  route?: RouteSpec;
  cert?: CertIdentity;
  credentials: Credentials;
  /** X-Dirgate-App as sent (set even when unknown, for the audit line). */
  appId?: string;
  app?: CompiledApplication;
  /** How the application was authenticated, forwarded as X-Dirgate-App-Auth. */
  appAuth: string;
  body: Buffer;
  xml?: XmlSummary;
  /** Registry operation names of the batch, in order (empty for encrypted bodies and GET routes). */
  operations: string[];
  /** The first DN the batch names (audit). */
  firstDn?: string;
}

export interface FirewallServices {
  settings: FirewallSettings;
  globalIps: IpRules;
  ipResolver: ClientIpResolver;
  apps: Map<string, CompiledApplication>;
  secrets: AppSecretVerifier;
  limits: RateLimits;
  /** Whether client certificates are asked for (a client CA is configured). */
  clientCertificates: boolean;
}

export type Check = (ctx: RequestContext, fw: FirewallServices) => void | Promise<void>;
