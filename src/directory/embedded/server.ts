/**
 * The LDAP front of the embedded directory: an ldapjs server whose handlers
 * map each operation onto the suffix trees (dit.ts), the access rules
 * (access.ts) and the journal (journal.ts). Every handler answers itself:
 * typed errors become their LDAP result codes, and a write is answered only
 * after its journal record is on disk.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import ldapjs from 'ldapjs';
import { DirgateError, LDAP_RESULT, toDirgateError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Attribute, Filter, Modification, Value } from '../model.js';
import { ANONYMOUS, type Principal, type SuffixPolicy, canSee, isAdminOf, requireAdmin, requireModifyRight } from './access.js';
import { PAGED_RESULTS_OID, pagedResultsValue, searchResultDone, searchResultEntry } from './ber.js';
import type { Dit, StoredEntry } from './dit.js';
import { type Dn, dnKey, escapeDnValue, formatDn, parseDn } from './dn.js';
import { EntryView } from './entry-view.js';
import { evaluateFilter } from './filter-eval.js';
import type { SuffixStore } from './journal.js';
import { PagedResults } from './paging.js';
import { RequestTap } from './request-tap.js';
import { hashPassword, verifyAny } from './passwords.js';
import { valueBytes, valuesEqual } from './values.js';

export interface SuffixRuntime extends SuffixPolicy {
  store: SuffixStore;
  adminDn: string;
  adminKey: string;
  adminPassword: string;
}

/** Controls this server understands; any other critical control is refused. */
const MANAGE_DSA_IT_OID = '2.16.840.1.113730.3.4.2';
const WHO_AM_I_OID = '1.3.6.1.4.1.4203.1.11.3';
const SUPPORTED_CONTROLS = [PAGED_RESULTS_OID, MANAGE_DSA_IT_OID];
const ALL_OPERATIONAL_ATTRIBUTES_FEATURE = '1.3.6.1.4.1.4203.1.5.1';
const SEARCH_REQUEST = 0x63;
const TIMING_DECOY = hashPassword('timing-decoy');

// ---- the parts of ldapjs request objects this module reads ----
interface LdapjsDn { length: number; rdnAt(i: number): { keys(): Iterable<string>; getValue(k: string): unknown } }
interface LdapjsAttribute { type: string; buffers: Buffer[] }
interface LdapjsControl { type: string; criticality: boolean; value?: { size?: number; cookie?: Buffer } }
interface LdapjsRequest {
  messageId: number;
  protocolOp: number;
  connection: Socket;
  controls: LdapjsControl[];
  // bind
  name?: string; credentials?: string; version?: number;
  // search
  baseObject?: LdapjsDn; scope?: number; filter?: unknown; attributes?: string[] | LdapjsAttribute[]; sizeLimit?: number; typesOnly?: boolean;
  // add, delete, compare, modifyDN
  entry?: LdapjsDn; attribute?: string; value?: string; newRdn?: LdapjsDn; deleteOldRdn?: boolean; newSuperior?: LdapjsDn;
  // modify
  object?: LdapjsDn; changes?: Array<{ operation: string; modification: LdapjsAttribute }>;
  // extended
  requestName?: string;
}
interface LdapjsResponse {
  messageId: number;
  status: number;
  matchedDN: string;
  diagnosticMessage: string;
  responseValue?: string;
  end(status?: number): void;
}
type Handler = (req: LdapjsRequest, res: LdapjsResponse, next: () => void) => void;

/** Prints an ldapjs DN through our own printer (ldapjs's drops some escapes). */
function dnText(dn: LdapjsDn | undefined): string {
  if (!dn) return '';
  const rdns: string[] = [];
  for (let i = 0; i < dn.length; i += 1) {
    const rdn = dn.rdnAt(i);
    const avas: string[] = [];
    for (const type of rdn.keys()) {
      const v = rdn.getValue(type);
      if (typeof v === 'string') avas.push(`${type}=${escapeDnValue(v)}`);
      else avas.push(`${type}=#${Buffer.from((v as { buffer: Buffer }).buffer).toString('hex')}`);
    }
    rdns.push(avas.join('+'));
  }
  return rdns.join(',');
}

function toModelAttribute(a: LdapjsAttribute): Attribute {
  return { type: a.type, values: a.buffers.map((b) => Buffer.from(b)) };
}

function secretEquals(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

interface ConnectionState { principal: Principal; paged: PagedResults }

export class EmbeddedLdapServer {
  readonly server: ReturnType<typeof ldapjs.createServer> & { server: import('node:net').Server };
  private readonly connections = new WeakMap<Socket, ConnectionState>();
  private readonly tap = new RequestTap();

  constructor(private readonly suffixes: SuffixRuntime[], private readonly log: Logger) {
    const connectionRouter = (socket: Socket) => {
      // Answers are written as several small messages: without this, Nagle's algorithm and delayed ACKs add ~40 ms to each.
      socket.setNoDelay(true);
      (this.server as unknown as { newConnection(s: Socket): void }).newConnection(socket);
      this.tap.install(socket);
    };
    this.server = ldapjs.createServer({ log: quietLogger(log), connectionRouter } as Parameters<typeof ldapjs.createServer>[0]) as EmbeddedLdapServer['server'];
    // Parser errors are answered by ldapjs itself; without a listener they would crash the process.
    this.server.on('error', (err: Error) => log.warn('embedded directory: protocol error from a client', { error: err.message }));
    const s = this.server as unknown as Record<string, (...args: unknown[]) => unknown>;
    const mount = (method: string, handler: Handler) => s[method]!.call(this.server, '', this.guard(handler));
    mount('bind', (req, res) => this.bind(req, res));
    mount('search', (req, res) => this.search(req, res));
    mount('add', (req, res) => this.add(req, res));
    mount('modify', (req, res) => this.modify(req, res));
    mount('del', (req, res) => this.delete(req, res));
    mount('modifyDN', (req, res) => this.modifyDN(req, res));
    mount('compare', (req, res) => this.compare(req, res));
    s.exop!.call(this.server, WHO_AM_I_OID, this.guard((req, res) => {
      const p = this.state(req).principal;
      res.responseValue = p.kind === 'anonymous' ? '' : `dn:${p.dn}`;
      res.end(LDAP_RESULT.success);
    }));
    // An anonymous bind never reaches a handler (ldapjs answers it); it still ends the previous identity.
    s.after!.call(this.server, (req: LdapjsRequest & { protocolOp: number }) => {
      if (req.protocolOp === 0x60 && req.name === '' && req.credentials === '') this.state(req).principal = ANONYMOUS;
    });
  }

  private state(req: LdapjsRequest): ConnectionState {
    let st = this.connections.get(req.connection);
    if (!st) {
      st = { principal: ANONYMOUS, paged: new PagedResults() };
      this.connections.set(req.connection, st);
    }
    return st;
  }

  /** Runs a handler; whatever it throws becomes that operation's LDAP result. */
  private guard(handler: Handler): Handler {
    return (req, res, next) => {
      try {
        this.checkControls(req);
        handler(req, res, next);
      } catch (err) {
        const e = toDirgateError(err);
        if (e.code === 'ERR_INTERNAL') this.log.error('embedded directory: operation failed', { error: e.message });
        const message = e.code === 'ERR_INTERNAL' ? 'internal error' : e.message;
        if (req.protocolOp === SEARCH_REQUEST) {
          req.connection.write(searchResultDone(req.messageId, e.ldapCode, e.matchedDN ?? '', message));
          return;
        }
        res.matchedDN = e.matchedDN ?? '';
        res.diagnosticMessage = message;
        res.end(e.ldapCode);
      }
    };
  }

  private checkControls(req: LdapjsRequest): void {
    for (const c of req.controls ?? []) {
      if (c.criticality && !SUPPORTED_CONTROLS.includes(c.type)) {
        throw new DirgateError('ERR_UNAVAILABLE_CRITICAL_EXTENSION', `control ${c.type} is not supported`, { reason: 'control-unsupported' });
      }
    }
  }

  private suffixFor(key: string): SuffixRuntime | undefined {
    return this.suffixes.find((s) => s.dit.contains(key));
  }

  private requireSuffix(dn: Dn, text: string): SuffixRuntime {
    const suffix = this.suffixFor(dnKey(dn));
    if (!suffix) throw new DirgateError('ERR_NO_SUCH_OBJECT', `no such entry: ${text}`, { matchedDN: '', reason: 'no-such-suffix' });
    return suffix;
  }

  // ---- bind ----

  private bind(req: LdapjsRequest, res: LdapjsResponse): void {
    const st = this.state(req);
    st.principal = ANONYMOUS;
    const name = req.name ?? '';
    const password = req.credentials ?? '';
    const fail = (reason: string) => {
      this.log.info('embedded directory: bind refused', { reason });
      return new DirgateError('ERR_AUTHENTICATION_FAILED', 'invalid credentials', { reason });
    };
    if (req.version !== undefined && req.version !== 3) throw new DirgateError('ERR_MALFORMED_REQUEST', 'only LDAP version 3 is supported', { reason: 'ldap-version' });
    if (name !== '' && password === '') {
      throw new DirgateError('ERR_UNWILLING_TO_PERFORM', 'unauthenticated bind (DN with no password) is not allowed', { reason: 'unauthenticated-bind' });
    }
    if (name === '') throw fail('anonymous-with-password');
    const dn = parseDn(name);
    const key = dnKey(dn);
    const suffix = this.suffixFor(key);
    if (!suffix) throw fail('user-unknown');
    if (key === suffix.adminKey) {
      if (!secretEquals(password, suffix.adminPassword)) throw fail('password-mismatch');
      st.principal = { kind: 'admin', dn: suffix.adminDn, suffixKey: suffix.dit.suffixKey };
      res.end(LDAP_RESULT.success);
      return;
    }
    const entry = suffix.dit.get(key);
    if (!entry) {
      // Spend the time of a real check, so an unknown name does not answer faster than a wrong password.
      verifyAny(password, [TIMING_DECOY]);
      throw fail('user-unknown');
    }
    if (!verifyAny(password, entry.attributes.get('userpassword')?.values ?? [])) throw fail('password-mismatch');
    st.principal = { kind: 'user', dn: formatDn(entry.dn), key, suffixKey: suffix.dit.suffixKey };
    res.end(LDAP_RESULT.success);
  }

  // ---- search ----

  private search(req: LdapjsRequest, _res: LdapjsResponse): void {
    const st = this.state(req);
    const baseText = dnText(req.baseObject);
    const base = parseDn(baseText);
    const scope = (['base', 'one', 'sub'] as const)[req.scope ?? 0] ?? 'base';
    const tapped = this.tap.take(req.connection, req.messageId);
    if (tapped?.filterError) throw tapped.filterError;
    if (!tapped?.filter) throw new DirgateError('ERR_INTERNAL', 'the search filter was not read from the request', { reason: 'filter-missing' });
    const { filter } = tapped;
    const attributes = (req.attributes ?? []) as string[];
    const typesOnly = req.typesOnly === true;
    const sizeLimit = req.sizeLimit ?? 0;
    const write = (buf: Buffer) => req.connection.write(buf);
    // One search's entries and result leave together.
    req.connection.cork();
    process.nextTick(() => req.connection.uncork());

    if (base.length === 0) {
      if (scope !== 'base') throw new DirgateError('ERR_NO_SUCH_OBJECT', 'no such entry: the root DSE has no subordinates here', { matchedDN: '', reason: 'no-such-entry' });
      const root = this.rootDse();
      if (evaluateFilter(filter, root.target) === true) write(searchResultEntry(req.messageId, '', root.select(attributes, typesOnly)));
      write(searchResultDone(req.messageId, LDAP_RESULT.success, '', ''));
      return;
    }

    const suffix = this.requireSuffix(base, baseText);
    const { dit } = suffix;
    const baseKey = dnKey(base);
    const privileged = isAdminOf(st.principal, dit);
    if (!dit.get(baseKey) || !canSee(st.principal, suffix, baseKey)) {
      throw new DirgateError('ERR_NO_SUCH_OBJECT', `no such entry: ${baseText}`, { matchedDN: this.visibleMatched(suffix, st.principal, base), reason: 'no-such-entry' });
    }

    const paging = req.controls?.find((c) => c.type === PAGED_RESULTS_OID);
    const signature = JSON.stringify([baseKey, scope, filterSignature(filter), attributes, typesOnly, principalId(st.principal)]);
    let pageSize = 0;
    let keys: string[];
    let sentBefore = 0;
    const cookieIn = paging?.value?.cookie;
    if (paging && cookieIn && cookieIn.length > 0) {
      const set = st.paged.take(cookieIn);
      if (!set || set.signature !== signature) {
        throw new DirgateError('ERR_MALFORMED_REQUEST', 'paged results cookie is invalid', { reason: 'paged-cookie-invalid' });
      }
      keys = set.remaining;
      sentBefore = set.sent;
    } else {
      keys = [];
      for (const e of this.candidates(dit, baseKey, scope)) {
        const key = dnKey(e.dn);
        if (!canSee(st.principal, suffix, key)) continue;
        if (evaluateFilter(filter, new EntryView(dit, e, privileged).asFilterTarget()) === true) keys.push(key);
      }
    }
    if (paging) {
      pageSize = paging.value?.size ?? 0;
      // A page size of 0 with a cookie abandons the paged search (RFC 2696 section 3).
      if (pageSize === 0 && cookieIn && cookieIn.length > 0) {
        write(searchResultDone(req.messageId, LDAP_RESULT.success, '', '', [{ oid: PAGED_RESULTS_OID, value: pagedResultsValue(0, Buffer.alloc(0)) }]));
        return;
      }
    }

    let budget = pageSize > 0 ? pageSize : Number.POSITIVE_INFINITY;
    let sent = sentBefore;
    let index = 0;
    let limitHit = false;
    for (; index < keys.length && budget > 0; index += 1) {
      const entry = dit.get(keys[index]!);
      if (!entry) continue; // deleted between pages
      const view = new EntryView(dit, entry, privileged);
      if (cookieIn && cookieIn.length > 0 && evaluateFilter(filter, view.asFilterTarget()) !== true) continue;
      if (sizeLimit > 0 && sent >= sizeLimit) {
        limitHit = true;
        break;
      }
      write(searchResultEntry(req.messageId, view.dn, encodeAttributes(view.select(attributes, typesOnly))));
      sent += 1;
      budget -= 1;
    }
    const remaining = keys.slice(index);
    if (!limitHit && sizeLimit > 0 && sent >= sizeLimit && remaining.some((k) => dit.get(k))) limitHit = true;
    const resultCode = limitHit ? LDAP_RESULT.sizeLimitExceeded : LDAP_RESULT.success;
    const controls = [];
    if (paging) {
      const more = !limitHit && remaining.length > 0;
      const cookie = more ? st.paged.save({ signature, remaining, sent }) : Buffer.alloc(0);
      controls.push({ oid: PAGED_RESULTS_OID, value: pagedResultsValue(more ? remaining.length : 0, cookie) });
    }
    write(searchResultDone(req.messageId, resultCode, '', limitHit ? 'size limit exceeded' : '', controls));
  }

  private *candidates(dit: Dit, baseKey: string, scope: 'base' | 'one' | 'sub'): Generator<StoredEntry> {
    if (scope === 'base') {
      const e = dit.get(baseKey);
      if (e) yield e;
    } else if (scope === 'one') {
      yield* dit.childrenOf(baseKey);
    } else {
      yield* dit.subtree(baseKey);
    }
  }

  /** The matchedDN of a noSuchObject, never naming an entry the caller cannot see. */
  private visibleMatched(suffix: SuffixRuntime, principal: Principal, dn: Dn): string {
    for (let i = 1; i <= dn.length; i += 1) {
      const up = dn.slice(i);
      const key = dnKey(up);
      if (suffix.dit.get(key) && canSee(principal, suffix, key)) return formatDn(up);
    }
    return '';
  }

  private rootDse(): { target: ReturnType<EntryView['asFilterTarget']>; select: (attrs: string[], typesOnly: boolean) => Array<{ type: string; values: Buffer[] }> } {
    const user: Array<[string, Value[]]> = [['objectClass', ['top', 'extensibleObject']]];
    const operational: Array<[string, Value[]]> = [
      ['namingContexts', this.suffixes.map((s) => s.dit.suffixDn)],
      ['supportedControl', SUPPORTED_CONTROLS],
      ['supportedExtension', [WHO_AM_I_OID]],
      ['supportedFeatures', [ALL_OPERATIONAL_ATTRIBUTES_FEATURE]],
      ['supportedLDAPVersion', ['3']],
      ['vendorName', ['dirgate']],
    ];
    const all = [...user, ...operational];
    const find = (key: string) => all.find(([t]) => t.toLowerCase() === key.toLowerCase());
    return {
      target: { dn: [], values: (key) => find(key)?.[1], readable: () => all.map(([t, v]) => [t.toLowerCase(), v] as [string, Value[]]) },
      select: (attrs, typesOnly) => {
        const names = attrs.filter((a) => a !== '1.1');
        if (attrs.length > 0 && names.length === 0) return [];
        const chosen = new Map<string, [string, Value[]]>();
        if (names.length === 0 || names.includes('*')) for (const a of user) chosen.set(a[0].toLowerCase(), a);
        if (names.includes('+')) for (const a of operational) chosen.set(a[0].toLowerCase(), a);
        for (const n of names) {
          const a = find(n);
          if (a) chosen.set(a[0].toLowerCase(), a);
        }
        return [...chosen.values()].map(([type, values]) => ({ type, values: typesOnly ? [] : values.map(valueBytes) }));
      },
    };
  }

  // ---- updates ----

  private add(req: LdapjsRequest, res: LdapjsResponse): void {
    const principal = this.state(req).principal;
    const text = dnText(req.entry);
    const dn = parseDn(text);
    const suffix = this.requireSuffix(dn, text);
    requireAdmin(principal, suffix.dit, 'add');
    // ldapjs lowercases the types of an add request: give them back the client's spelling.
    const spelled = new Map((this.tap.take(req.connection, req.messageId)?.addTypes ?? []).map((t) => [t.toLowerCase(), t]));
    const attributes = (req.attributes as LdapjsAttribute[]).map((a) => ({ ...toModelAttribute(a), type: spelled.get(a.type.toLowerCase()) ?? a.type }));
    const record = suffix.dit.planAdd({ dn: text, attributes }, actorOf(principal));
    suffix.store.commit(record);
    res.end(LDAP_RESULT.success);
  }

  private modify(req: LdapjsRequest, res: LdapjsResponse): void {
    const principal = this.state(req).principal;
    const text = dnText(req.object);
    const dn = parseDn(text);
    const suffix = this.requireSuffix(dn, text);
    const changes: Modification[] = (req.changes ?? []).map((c) => {
      if (c.operation !== 'add' && c.operation !== 'delete' && c.operation !== 'replace') {
        throw new DirgateError('ERR_MALFORMED_REQUEST', `unknown modification ${c.operation}`, { reason: 'modification-unknown' });
      }
      return { operation: c.operation, attribute: toModelAttribute(c.modification) };
    });
    requireModifyRight(principal, suffix.dit, dnKey(dn), changes);
    const record = suffix.dit.planModify(text, changes, actorOf(principal));
    suffix.store.commit(record);
    res.end(LDAP_RESULT.success);
  }

  private delete(req: LdapjsRequest, res: LdapjsResponse): void {
    const principal = this.state(req).principal;
    const text = dnText(req.entry);
    const suffix = this.requireSuffix(parseDn(text), text);
    requireAdmin(principal, suffix.dit, 'delete');
    suffix.store.commit(suffix.dit.planDelete(text));
    res.end(LDAP_RESULT.success);
  }

  private modifyDN(req: LdapjsRequest, res: LdapjsResponse): void {
    const principal = this.state(req).principal;
    const text = dnText(req.entry);
    const suffix = this.requireSuffix(parseDn(text), text);
    requireAdmin(principal, suffix.dit, 'modifyDN');
    const newSuperior = req.newSuperior ? dnText(req.newSuperior) : undefined;
    const record = suffix.dit.planModifyDn(text, dnText(req.newRdn), req.deleteOldRdn === true, newSuperior, actorOf(principal));
    suffix.store.commit(record);
    res.end(LDAP_RESULT.success);
  }

  private compare(req: LdapjsRequest, res: LdapjsResponse): void {
    const principal = this.state(req).principal;
    const text = dnText(req.entry);
    const dn = parseDn(text);
    const suffix = this.requireSuffix(dn, text);
    const key = dnKey(dn);
    const entry = suffix.dit.get(key);
    if (!entry || !canSee(principal, suffix, key)) {
      throw new DirgateError('ERR_NO_SUCH_OBJECT', `no such entry: ${text}`, { matchedDN: this.visibleMatched(suffix, principal, dn), reason: 'no-such-entry' });
    }
    const attribute = req.attribute ?? '';
    const assertion = this.tap.take(req.connection, req.messageId)?.assertion ?? req.value ?? '';
    const view = new EntryView(suffix.dit, entry, isAdminOf(principal, suffix.dit));
    const values = view.values(attribute);
    if (values === null) throw new DirgateError('ERR_INSUFFICIENT_ACCESS', `${attribute} cannot be compared`, { reason: 'embedded-access-denied' });
    if (!values) throw new DirgateError('ERR_NO_SUCH_ATTRIBUTE', `${attribute}: no such attribute`, { reason: 'no-such-attribute' });
    const match = attribute.toLowerCase() === 'userpassword'
      ? values.some((v) => valuesEqual(attribute, v, assertion)) || verifyAny(assertion, values)
      : values.some((v) => valuesEqual(attribute, v, assertion));
    res.end(match ? LDAP_RESULT.compareTrue : LDAP_RESULT.compareFalse);
  }
}

function encodeAttributes(attrs: Array<{ type: string; values: Value[] }>): Array<{ type: string; values: Buffer[] }> {
  return attrs.map((a) => ({ type: a.type, values: a.values.map(valueBytes) }));
}

function actorOf(principal: Principal): string {
  return principal.kind === 'anonymous' ? '' : principal.dn;
}

function principalId(principal: Principal): string {
  return principal.kind === 'anonymous' ? '' : `${principal.kind}:${principal.dn}`;
}

function filterSignature(filter: Filter): string {
  return JSON.stringify(filter, (_k, v: unknown) => (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' ? Buffer.from((v as { data: number[] }).data).toString('base64') : v));
}

/**
 * ldapjs logs every message at debug level with its full content (bind
 * passwords included): only its warnings and errors are kept, as plain text.
 */
function quietLogger(log: Logger): Record<string, (...args: unknown[]) => void> {
  const text = (args: unknown[]) => args.filter((a) => typeof a === 'string').slice(0, 1).join(' ').replace(/%[sjd]/g, '').trim();
  const drop = () => undefined;
  return {
    trace: drop,
    debug: drop,
    info: drop,
    warn: (...args) => log.warn(`ldapjs: ${text(args)}`),
    error: (...args) => log.error(`ldapjs: ${text(args)}`),
    fatal: (...args) => log.error(`ldapjs: ${text(args)}`),
    child: () => quietLogger(log),
  } as Record<string, (...args: unknown[]) => void>;
}

