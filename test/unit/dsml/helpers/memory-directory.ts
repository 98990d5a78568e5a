/**
 * A small working Directory over a Map, for the DSML executor's unit tests:
 * real add/modify/delete/rename/compare/search with filter evaluation, paged
 * results with cookies, and errors thrown as DirgateErrors the way the real
 * sources throw them. Not a stand-in for the virtual directory's behaviour in
 * detail; the conformance tests (test/dsml) run against the real ones.
 */
import { DirgateError } from '../../../../src/errors.js';
import type {
  AddRequest, CompareRequest, DeleteRequest, Directory, Entry, ExtendedRequest, ExtendedResult, Filter, ModifyDNRequest,
  ModifyRequest, OperationContext, OperationResult, SearchEvent, SearchRequest, Value,
} from '../../../../src/directory/model.js';
import { decodePaged, encodePaged } from '../../../../src/directory/paged-results.js';

/** Deep copy that keeps Buffers Buffers (structuredClone turns them into plain Uint8Arrays). */
function copy<T>(value: T): T {
  if (Buffer.isBuffer(value)) return Buffer.from(value) as T;
  if (Array.isArray(value)) return value.map(copy) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copy(v)])) as T;
  return value;
}

const norm = (dn: string): string => dn.toLowerCase().replace(/\s*,\s*/g, ',');
const parentOf = (dn: string): string => norm(dn).split(',').slice(1).join(',');
const text = (v: Value): string => (typeof v === 'string' ? v : v.toString('utf8'));
const same = (a: Value, b: Value): boolean => (typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : Buffer.compare(Buffer.from(a as never), Buffer.from(b as never)) === 0);

function values(e: Entry, type: string): Value[] {
  return e.attributes.find((a) => a.type.toLowerCase() === type.toLowerCase())?.values ?? [];
}

export function matches(f: Filter, e: Entry): boolean {
  switch (f.type) {
    case 'and': return f.filters.every((x) => matches(x, e));
    case 'or': return f.filters.some((x) => matches(x, e));
    case 'not': return !matches(f.filter, e);
    case 'present': return f.attribute.toLowerCase() === 'objectclass' || values(e, f.attribute).length > 0;
    case 'equality': case 'approx': return values(e, f.attribute).some((v) => same(v, f.value));
    case 'greaterOrEqual': return values(e, f.attribute).some((v) => text(v) >= text(f.value));
    case 'lessOrEqual': return values(e, f.attribute).some((v) => text(v) <= text(f.value));
    case 'substrings': return values(e, f.attribute).some((v) => {
      let s = text(v).toLowerCase();
      if (f.initial !== undefined) { if (!s.startsWith(text(f.initial).toLowerCase())) return false; s = s.slice(text(f.initial).length); }
      for (const a of f.any) { const at = s.indexOf(text(a).toLowerCase()); if (at < 0) return false; s = s.slice(at + text(a).length); }
      return f.final === undefined || s.endsWith(text(f.final).toLowerCase());
    });
    case 'extensible': return f.attribute ? values(e, f.attribute).some((v) => same(v, f.value)) : false;
  }
}

export interface MemoryDirectoryOptions {
  /** Throw this for every operation (a source that is down, say). */
  failWith?: DirgateError;
  /** Milliseconds an operation waits before running (to observe parallelism), per operation and DN if a function. */
  delayMs?: number | ((op: string, dn: string) => number);
}

export class MemoryDirectory implements Directory {
  readonly entries = new Map<string, Entry>();
  /** Every call, in order, with the principal it ran as. */
  readonly calls: Array<{ op: string; dn: string; principal?: string; controls?: number }> = [];
  /** Paged searches in progress: cookie -> remaining entries. */
  private readonly pages = new Map<string, Entry[]>();
  private running = 0;
  maxRunning = 0;

  constructor(entries: Entry[] = [], readonly options: MemoryDirectoryOptions = {}) {
    for (const e of entries) this.entries.set(norm(e.dn), copy(e));
  }

  private async enter(op: string, dn: string, ctx: OperationContext, controls?: number): Promise<void> {
    this.calls.push({ op, dn, ...(ctx.principal.dn ? { principal: ctx.principal.dn } : {}), ...(controls ? { controls } : {}) });
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      const delay = typeof this.options.delayMs === 'function' ? this.options.delayMs(op, dn) : this.options.delayMs;
      if (delay) {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, delay);
          ctx.signal?.addEventListener('abort', () => { clearTimeout(t); reject(new DirgateError('ERR_INTERNAL', 'aborted', { reason: 'aborted' })); }, { once: true });
        });
      }
      if (this.options.failWith) throw this.options.failWith;
    } finally {
      this.running--;
    }
  }

  private must(dn: string): Entry {
    const e = this.entries.get(norm(dn));
    if (!e) throw new DirgateError('ERR_NO_SUCH_OBJECT', `no entry ${dn}`, { matchedDN: parentOf(dn) });
    return e;
  }

  async *search(req: SearchRequest, ctx: OperationContext): AsyncIterable<SearchEvent> {
    await this.enter('search', req.baseDN, ctx, req.controls.length);
    const base = norm(req.baseDN);
    if (base !== '' && !this.entries.has(base)) throw new DirgateError('ERR_NO_SUCH_OBJECT', `no entry ${req.baseDN}`);
    const paged = req.controls.find((c) => c.type === '1.2.840.113556.1.4.319');
    const pagedValue = paged ? decodePaged(paged.value) : undefined;
    let found: Entry[];
    if (pagedValue && pagedValue.cookie.length) {
      const rest = this.pages.get(pagedValue.cookie.toString('hex'));
      if (!rest) throw new DirgateError('ERR_UNWILLING_TO_PERFORM', 'bad cookie');
      this.pages.delete(pagedValue.cookie.toString('hex'));
      found = rest;
    } else {
      found = [...this.entries.values()].filter((e) => {
        const dn = norm(e.dn);
        const inScope = req.scope === 'base' ? dn === base : req.scope === 'one' ? parentOf(dn) === base : dn === base || dn.endsWith(`,${base}`) || base === '';
        return inScope && matches(req.filter, e);
      });
    }
    let page = found;
    let cookie = Buffer.alloc(0);
    if (pagedValue && pagedValue.size > 0 && found.length > pagedValue.size) {
      page = found.slice(0, pagedValue.size);
      cookie = Buffer.from(`cookie-${this.pages.size}-${Math.random()}`);
      this.pages.set(cookie.toString('hex'), found.slice(pagedValue.size));
    }
    let sent = 0;
    for (const e of page) {
      if (req.sizeLimit && sent >= req.sizeLimit) {
        yield { kind: 'done', result: { resultCode: 4 } };
        return;
      }
      const attributes = e.attributes
        .filter((a) => req.attributes.length === 0 || req.attributes.includes('*') || req.attributes.some((n) => n.toLowerCase() === a.type.toLowerCase()))
        .map((a) => ({ type: a.type, values: req.typesOnly ? [] : a.values }));
      yield { kind: 'entry', entry: { dn: e.dn, attributes } };
      sent++;
    }
    const done: OperationResult = { resultCode: 0 };
    if (paged) done.controls = [{ type: paged.type, criticality: false, value: encodePaged({ size: 0, cookie }) }];
    yield { kind: 'done', result: done };
  }

  async add(req: AddRequest, ctx: OperationContext): Promise<OperationResult> {
    await this.enter('add', req.dn, ctx, req.controls.length);
    if (this.entries.has(norm(req.dn))) throw new DirgateError('ERR_ALREADY_EXISTS', `exists ${req.dn}`);
    if (parentOf(req.dn) && !this.entries.has(parentOf(req.dn))) throw new DirgateError('ERR_NO_SUCH_OBJECT', 'no parent');
    this.entries.set(norm(req.dn), { dn: req.dn, attributes: copy(req.attributes) });
    return { resultCode: 0 };
  }

  async modify(req: ModifyRequest, ctx: OperationContext): Promise<OperationResult> {
    await this.enter('modify', req.dn, ctx, req.controls.length);
    const e = this.must(req.dn);
    for (const ch of req.changes) {
      const i = e.attributes.findIndex((a) => a.type.toLowerCase() === ch.attribute.type.toLowerCase());
      if (ch.operation === 'replace') {
        if (i >= 0) e.attributes.splice(i, 1);
        if (ch.attribute.values.length) e.attributes.push(copy(ch.attribute));
      } else if (ch.operation === 'add') {
        if (i >= 0) e.attributes[i]!.values.push(...ch.attribute.values);
        else e.attributes.push(copy(ch.attribute));
      } else {
        if (i < 0) throw new DirgateError('ERR_NO_SUCH_ATTRIBUTE', `no ${ch.attribute.type}`);
        if (ch.attribute.values.length === 0) e.attributes.splice(i, 1);
        else e.attributes[i]!.values = e.attributes[i]!.values.filter((v) => !ch.attribute.values.some((d) => same(d, v)));
      }
    }
    return { resultCode: 0 };
  }

  async delete(req: DeleteRequest, ctx: OperationContext): Promise<OperationResult> {
    await this.enter('delete', req.dn, ctx, req.controls.length);
    this.must(req.dn);
    this.entries.delete(norm(req.dn));
    return { resultCode: 0 };
  }

  async modifyDN(req: ModifyDNRequest, ctx: OperationContext): Promise<OperationResult> {
    await this.enter('modifyDN', req.dn, ctx, req.controls.length);
    const e = this.must(req.dn);
    this.entries.delete(norm(req.dn));
    const dn = `${req.newRDN},${req.newSuperior ?? req.dn.split(',').slice(1).join(',')}`;
    this.entries.set(norm(dn), { ...e, dn });
    return { resultCode: 0 };
  }

  async compare(req: CompareRequest, ctx: OperationContext): Promise<OperationResult> {
    await this.enter('compare', req.dn, ctx, req.controls.length);
    const e = this.must(req.dn);
    return { resultCode: values(e, req.attribute).some((v) => same(v, req.value)) ? 6 : 5 };
  }

  async extended(req: ExtendedRequest, ctx: OperationContext): Promise<ExtendedResult> {
    await this.enter('extended', req.oid, ctx, req.controls.length);
    // "Who am I?" (RFC 4532) is the one extended operation this directory knows.
    if (req.oid !== '1.3.6.1.4.1.4203.1.11.3') throw new DirgateError('ERR_UNSUPPORTED_OPERATION', 'unsupported extended operation');
    return { resultCode: 0, value: Buffer.from(`dn:${ctx.principal.dn ?? ''}`) };
  }

  async bind(dn: string, _password: string, ctx: OperationContext): Promise<string> {
    await this.enter('bind', dn, ctx);
    return dn;
  }
}

export function person(uid: string, extra: Record<string, Value[]> = {}): Entry {
  return {
    dn: `uid=${uid},ou=people,o=example`,
    attributes: [
      { type: 'objectClass', values: ['top', 'inetOrgPerson'] },
      { type: 'uid', values: [uid] },
      { type: 'cn', values: [uid[0]!.toUpperCase() + uid.slice(1)] },
      { type: 'mail', values: [`${uid}@example.com`] },
      ...Object.entries(extra).map(([type, v]) => ({ type, values: v })),
    ],
  };
}

export function demoDirectory(options: MemoryDirectoryOptions = {}): MemoryDirectory {
  return new MemoryDirectory([
    { dn: 'o=example', attributes: [{ type: 'objectClass', values: ['organization'] }, { type: 'o', values: ['example'] }] },
    { dn: 'ou=people,o=example', attributes: [{ type: 'objectClass', values: ['organizationalUnit'] }, { type: 'ou', values: ['people'] }] },
    person('alice', { jpegPhoto: [Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x80, 0x81])] }),
    person('bob'),
    person('carol', { description: ['  padded  '] }),
  ], options);
}
