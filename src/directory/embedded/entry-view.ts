/**
 * What a caller sees of a stored entry: its user attributes, the operational
 * attributes computed on demand, userPassword only for the suffix's
 * administrator, and the attribute list of a search request (`*`, `+`, `1.1`,
 * names, typesOnly) applied.
 */
import type { Value } from '../model.js';
import type { Dit, StoredEntry } from './dit.js';
import { dnKey, formatDn } from './dn.js';
import type { FilterTarget } from './filter-eval.js';
import { OPERATIONAL_NAME } from './operational.js';
import { describeAttribute } from './values.js';

/** Attributes only the suffix administrator reads. */
const SECRET_KEYS = new Set(['userpassword']);

export interface ViewedAttribute { type: string; values: Value[] }

export class EntryView {
  constructor(
    private readonly dit: Dit,
    readonly entry: StoredEntry,
    private readonly privileged: boolean,
  ) {}

  get dn(): string {
    return formatDn(this.entry.dn);
  }

  /** Values by lowercased type: undefined when absent, null when hidden from this caller. */
  values(key: string): Value[] | undefined | null {
    const k = key.toLowerCase();
    const user = this.entry.attributes.get(k);
    if (user) return !this.privileged && SECRET_KEYS.has(k) ? null : user.values;
    return this.operational(k);
  }

  private operational(key: string): Value[] | undefined {
    const op = this.entry.operational;
    switch (key) {
      case 'entrydn': return [this.dn];
      case 'entryuuid': return [op.entryUUID];
      case 'createtimestamp': return [op.createTimestamp];
      case 'modifytimestamp': return [op.modifyTimestamp];
      case 'creatorsname': return [op.creatorsName];
      case 'modifiersname': return [op.modifiersName];
      case 'hassubordinates': return [this.dit.hasChildren(dnKey(this.entry.dn)) ? 'TRUE' : 'FALSE'];
      case 'contextcsn':
        return dnKey(this.entry.dn) === this.dit.suffixKey && this.dit.contextCSN ? [this.dit.contextCSN] : undefined;
      default: return undefined;
    }
  }

  private *userAttributes(): Generator<ViewedAttribute> {
    for (const [k, a] of this.entry.attributes) {
      if (!this.privileged && SECRET_KEYS.has(k)) continue;
      yield a;
    }
  }

  private *operationalAttributes(): Generator<ViewedAttribute> {
    for (const [k, type] of OPERATIONAL_NAME) {
      const values = this.operational(k);
      if (values) yield { type, values };
    }
  }

  asFilterTarget(): FilterTarget {
    return {
      dn: this.entry.dn,
      values: (key) => this.values(key),
      readable: () => [...this.userAttributes()].map((a) => [a.type.toLowerCase(), a.values] as [string, Value[]]),
    };
  }

  /** The attributes a search returns for `requested` (RFC 4511 section 4.5.1.8, RFC 3673). */
  select(requested: string[], typesOnly: boolean): ViewedAttribute[] {
    const names = requested.filter((r) => r !== '1.1');
    const onlyNone = requested.length > 0 && names.length === 0;
    if (onlyNone) return [];
    const allUser = names.length === 0 || names.includes('*');
    const allOperational = names.includes('+');
    const out: ViewedAttribute[] = [];
    const seen = new Set<string>();
    const push = (type: string, values: Value[]) => {
      const k = describeAttribute(type).key;
      if (seen.has(k)) return;
      seen.add(k);
      out.push({ type, values: typesOnly ? [] : values });
    };
    if (allUser) for (const a of this.userAttributes()) push(a.type, a.values);
    if (allOperational) for (const a of this.operationalAttributes()) push(a.type, a.values);
    for (const name of names) {
      if (name === '*' || name === '+') continue;
      const { key, binaryOption } = describeAttribute(name);
      const values = this.values(key);
      if (!values || values.length === 0) continue;
      const stored = this.entry.attributes.get(key)?.type ?? OPERATIONAL_NAME.get(key) ?? name;
      push(binaryOption ? name : stored, values);
    }
    return out;
  }
}
