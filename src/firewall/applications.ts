/**
 * The application registry as the firewall uses it: looked up by X-Dirgate-App,
 * with each application's address lists, subtrees and client-certificate subject
 * parsed once at start-up instead of on every request.
 */
import { IpRules } from './ip-rules.js';
import { normalizeDn, type NormalizedDn } from './dn.js';
import type { ApplicationPolicy } from './settings.js';

export interface CompiledApplication {
  policy: ApplicationPolicy;
  ips: IpRules;
  operations: ReadonlySet<string>;
  endpoints: ReadonlySet<string>;
  subtrees: NormalizedDn[];
  certSubject?: NormalizedDn;
}

/** Always reachable, whatever an application's subtrees say (discovery, login, sessions, self). */
export const GATEWAY_SUBTREE: NormalizedDn = normalizeDn('o=gateway')!;

export function compileApplications(policies: readonly ApplicationPolicy[]): Map<string, CompiledApplication> {
  const apps = new Map<string, CompiledApplication>();
  for (const policy of policies) {
    apps.set(policy.id, {
      policy,
      ips: new IpRules(policy.clientIps ?? {}),
      operations: new Set(policy.access.operations),
      endpoints: new Set(policy.access.endpoints),
      // A subtree that does not parse would never match; configuration review catches it (see firewallConfigProblems).
      subtrees: policy.access.subtrees.map((s) => normalizeDn(s)).filter((s): s is NormalizedDn => s !== undefined),
      certSubject: policy.clientCertificateSubject ? normalizeDn(policy.clientCertificateSubject) ?? ['\0unparseable'] : undefined,
    });
  }
  return apps;
}
