/**
 * Drives handleSpmlRequest the way the gateway will: SOAP in, SOAP out, with
 * recording authorize and audit hooks, against a Directory over real slapd.
 */
import type { Directory, OperationContext, Principal } from '../../../../src/directory/model.js';
import { spmlConfigWithDefaults, type SpmlConfig } from '../../../../src/spml/config.js';
import type { SpmlAuditEvent, SpmlAuthorize } from '../../../../src/spml/env.js';
import { createSpmlRuntime, handleSpmlRequest, type SpmlHttpResponse, type SpmlRuntime } from '../../../../src/spml/handler.js';
import { NS } from '../../../../src/spml/namespaces.js';
import { attr, parseXml, type XmlElement } from '../../../../src/spml/xml.js';

export const NAMESPACES = `xmlns:spml="${NS.spml}" xmlns:dsml="${NS.dsml}" xmlns:spmlsearch="${NS.search}" xmlns:pass="${NS.password}" xmlns:spmlsuspend="${NS.suspend}" xmlns:spmlbatch="${NS.batch}" xmlns:spmlasync="${NS.async}" xmlns:xsd="${NS.xsd}" xmlns:xsi="${NS.xsi}"`;

export function envelope(inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${NS.soap}"><soap:Body>${inner}</soap:Body></soap:Envelope>`;
}

/** Adds the usual namespace declarations to the first element of `xml`. */
export function withNamespaces(xml: string): string {
  return xml.replace(/^<([A-Za-z:]+)/, `<$1 ${NAMESPACES}`);
}

export const PEOPLE_SCHEMA = {
  objectClasses: [{
    name: 'inetOrgPerson', superiors: ['organizationalPerson'], container: false,
    attributes: [
      { name: 'uid', required: true }, { name: 'cn', required: true }, { name: 'sn', required: true },
      { name: 'mail', required: false }, { name: 'telephoneNumber', required: false }, { name: 'givenName', required: false },
      { name: 'employeeType', required: false }, { name: 'userPassword', required: false }, { name: 'description', required: false },
    ],
  }],
  attributes: [{ name: 'uid', multivalued: false, type: 'xsd:string' }, { name: 'mail', multivalued: true, type: 'xsd:string' }],
};

export function testSpmlConfig(overrides: Partial<SpmlConfig> = {}): SpmlConfig {
  return spmlConfigWithDefaults({
    targets: [
      {
        name: 'people', dn: 'ou=people,o=example', rdnAttribute: 'uid',
        operations: ['add', 'lookup', 'modify', 'delete', 'search', 'setPassword', 'expirePassword', 'resetPassword', 'validatePassword', 'suspend', 'resume', 'active'],
        schema: PEOPLE_SCHEMA,
        password: { attribute: 'userPassword', expire: { attribute: 'pwdReset', value: 'TRUE' } },
        suspend: { attribute: 'employeeType', value: 'dirgate-suspended' },
      },
      {
        name: 'groups', dn: 'ou=groups,o=example', rdnAttribute: 'cn',
        psoId: { strategy: 'client', attribute: 'dn' },
        operations: ['add', 'lookup', 'modify', 'delete', 'search'],
        schema: {
          objectClasses: [
            { name: 'groupOfNames', superiors: [], container: false, attributes: [{ name: 'cn', required: true }, { name: 'member', required: true }, { name: 'description', required: false }] },
            { name: 'organizationalUnit', superiors: [], container: true, attributes: [{ name: 'ou', required: true }] },
          ],
          attributes: [],
        },
      },
    ],
    ...overrides,
  });
}

export interface Harness {
  runtime: SpmlRuntime;
  audit: SpmlAuditEvent[];
  authorizations: Array<{ target?: string; operation: string }>;
  /** Operations the authorize hook refuses (as `target:operation` or `*:operation`). */
  refuse: Set<string>;
  principal: Principal;
  send(body: string, meta?: { sessionId?: string }, principal?: Principal): Promise<SpmlHttpResponse>;
  /** Sends one request element in an envelope and returns the response element. */
  call(request: string, meta?: { sessionId?: string }, principal?: Principal): Promise<XmlElement>;
}

export function createHarness(directory: Directory, config: SpmlConfig = testSpmlConfig()): Harness {
  const runtime = createSpmlRuntime(config);
  const audit: SpmlAuditEvent[] = [];
  const authorizations: Harness['authorizations'] = [];
  const refuse = new Set<string>();
  const principal: Principal = { dn: 'uid=admin,ou=people,o=example', appId: 'mobile-demo' };
  const authorize: SpmlAuthorize = (_p, target, operation) => {
    authorizations.push({ target: target?.name, operation });
    return !refuse.has(`${target?.name ?? '*'}:${operation}`) && !refuse.has(`*:${operation}`);
  };
  let n = 0;
  const h: Harness = {
    runtime, audit, authorizations, refuse, principal,
    async send(body, meta = {}, who = principal) {
      const ctx: OperationContext = { requestId: `test-${++n}`, principal: who };
      return handleSpmlRequest(Buffer.from(body, 'utf8'), meta, { ...runtime, directory, ctx, authorize, audit: (e) => { audit.push(e); } });
    },
    async call(request, meta, who) {
      const res = await h.send(envelope(withNamespaces(request)), meta, who);
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body}`);
      return responseElement(res.body);
    },
  };
  return h;
}

export function responseElement(body: string): XmlElement {
  const root = parseXml(body);
  const soapBody = root.children.find((c) => c.local === 'Body');
  if (!soapBody || soapBody.children.length !== 1) throw new Error(`not a SOAP response: ${body}`);
  return soapBody.children[0]!;
}

/** Descendants named `local` (any namespace), depth first. */
export function find(el: XmlElement, local: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    for (const c of e.children) {
      if (c.local === local) out.push(c);
      walk(c);
    }
  };
  walk(el);
  return out;
}

export function one(el: XmlElement, local: string): XmlElement {
  const found = find(el, local);
  if (found.length !== 1) throw new Error(`expected one ${local}, found ${found.length}`);
  return found[0]!;
}

/** PSO data as { attribute: [values] } from a response's first pso. */
export function psoData(pso: XmlElement): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const a of find(pso, 'attr')) out[attr(a, 'name')!] = a.children.filter((v) => v.local === 'value').map((v) => v.text);
  return out;
}

export function statusOf(el: XmlElement): { status?: string; error?: string; messages: string[] } {
  return { status: attr(el, 'status'), error: attr(el, 'error'), messages: el.children.filter((c) => c.local === 'errorMessage').map((c) => c.text) };
}

export { attr };
