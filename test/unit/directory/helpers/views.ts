/**
 * Views compiled for pure-logic tests: the demo's people branch (corp joined
 * with hr on mail) plus a mapped attribute. The sources are inert: planning,
 * mapping and joining never call them, and a test that did would fail loudly.
 */
import type { LdapSource } from '../../../../src/directory/sources/types.js';
import { type CompiledView, type ViewsConfig, compileViews } from '../../../../src/directory/view/branch.js';

export function inertSource(name: string, baseDn: string, readOnly = false): LdapSource {
  const refuse = (): never => { throw new Error(`test source ${name} was called`); };
  return {
    name, baseDn, readOnly,
    search: refuse, add: refuse, modify: refuse, delete: refuse, modifyDN: refuse, compare: refuse, extended: refuse,
    verifyPassword: refuse, probe: refuse, health: () => ({ name, up: true, urls: [] }), close: async () => undefined,
  };
}

export const demoViews: ViewsConfig = [{
  suffix: 'o=example',
  branches: [
    {
      name: 'people',
      dn: 'ou=people,o=example',
      rdnAttribute: 'uid',
      primary: { source: 'corp', baseDn: 'ou=people,dc=corp,dc=example', filter: '(objectClass=inetOrgPerson)' },
      contributors: [{
        source: 'hr', baseDn: 'ou=people,o=hr', filter: '(objectClass=inetOrgPerson)', required: false,
        attributes: ['employeeNumber', 'title', 'departmentNumber', 'manager'],
      }],
      correlation: { attributes: ['mail'], normalize: ['lowercase', 'trim'] },
      orphans: 'unresolved',
      attributeMap: [{ view: 'employeeNumber', source: 'hr', sourceAttribute: 'employeeID', transform: 'none' }],
      objectClassMap: [{ view: 'person', source: 'hr', sourceObjectClass: 'hrPerson' }],
      limits: { sizeLimit: 1000, timeLimitSeconds: 30, refuseUnindexedSubstrings: true, indexedAttributes: ['uid', 'mail', 'cn', 'departmentNumber'] },
      partialResults: 'unavailable',
    },
    {
      name: 'groups',
      dn: 'ou=groups,o=example',
      rdnAttribute: 'cn',
      primary: { source: 'corp', baseDn: 'ou=groups,dc=corp,dc=example' },
      contributors: [],
      orphans: 'unresolved',
      attributeMap: [],
      objectClassMap: [],
      limits: { sizeLimit: 1000, timeLimitSeconds: 30, refuseUnindexedSubstrings: false, indexedAttributes: [] },
      partialResults: 'unavailable',
    },
  ],
}];

export function compileDemo(views: ViewsConfig = demoViews): CompiledView[] {
  const sources = new Map<string, LdapSource>([
    ['corp', inertSource('corp', 'dc=corp,dc=example')],
    ['hr', inertSource('hr', 'o=hr', true)],
  ]);
  return compileViews(views, sources, { source: 'corp', baseDn: 'ou=dirgate,dc=corp,dc=example' });
}
