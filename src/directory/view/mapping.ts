/**
 * One source's attribute and objectClass mapping into the view's schema: names
 * both ways, the declared value transform (source to view only), and objectClass
 * values. A source attribute whose name a mapping gives to another source
 * attribute is hidden, so `employeeID -> employeeNumber` never shows hr's own
 * `employeeNumber` beside it.
 */
import type { Attribute, Value } from '../model.js';

export type Transform = 'none' | 'lowercase' | 'uppercase' | 'trim';

export interface AttributeRule { view: string; sourceAttribute: string; transform: Transform }
export interface ObjectClassRule { view: string; sourceObjectClass: string }

function splitOptions(type: string): [string, string] {
  const semi = type.indexOf(';');
  return semi === -1 ? [type, ''] : [type.slice(0, semi), type.slice(semi)];
}

function applyTransform(t: Transform, v: Value): Value {
  if (typeof v !== 'string') return v;
  switch (t) {
    case 'lowercase': return v.toLowerCase();
    case 'uppercase': return v.toUpperCase();
    case 'trim': return v.trim();
    default: return v;
  }
}

export class AttributeMapping {
  private readonly byView = new Map<string, AttributeRule>();
  private readonly bySource = new Map<string, AttributeRule>();
  private readonly ocToView = new Map<string, string>();
  private readonly ocToSource = new Map<string, string>();

  constructor(rules: AttributeRule[] = [], objectClasses: ObjectClassRule[] = []) {
    for (const r of rules) {
      this.byView.set(r.view.toLowerCase(), r);
      this.bySource.set(r.sourceAttribute.toLowerCase(), r);
    }
    for (const r of objectClasses) {
      this.ocToView.set(r.sourceObjectClass.toLowerCase(), r.view);
      this.ocToSource.set(r.view.toLowerCase(), r.sourceObjectClass);
    }
  }

  get isIdentity(): boolean {
    return this.byView.size === 0 && this.ocToView.size === 0;
  }

  /** The source's name for a view attribute (options such as `;binary` kept). */
  toSource(viewAttribute: string): string {
    const [base, options] = splitOptions(viewAttribute);
    const rule = this.byView.get(base.toLowerCase());
    return rule ? rule.sourceAttribute + options : viewAttribute;
  }

  private readonly viewNames = new Map<string, string | null>();

  /** The view's name for a source attribute, or undefined when a mapping hides it. */
  toView(sourceAttribute: string): string | undefined {
    let memo = this.viewNames.get(sourceAttribute);
    if (memo === undefined) {
      memo = this.computeView(sourceAttribute) ?? null;
      if (this.viewNames.size < 10_000) this.viewNames.set(sourceAttribute, memo);
    }
    return memo ?? undefined;
  }

  private computeView(sourceAttribute: string): string | undefined {
    const [base, options] = splitOptions(sourceAttribute);
    const lower = base.toLowerCase();
    const rule = this.bySource.get(lower);
    if (rule) return rule.view + options;
    // Hidden: the view name is taken by a mapping from another source attribute.
    if (this.byView.has(lower)) return undefined;
    return sourceAttribute;
  }

  transformOf(viewAttribute: string): Transform {
    return this.byView.get(splitOptions(viewAttribute)[0].toLowerCase())?.transform ?? 'none';
  }

  objectClassToView(value: Value): Value {
    if (typeof value !== 'string') return value;
    return this.ocToView.get(value.toLowerCase()) ?? value;
  }

  objectClassToSource(value: Value): Value {
    if (typeof value !== 'string') return value;
    return this.ocToSource.get(value.toLowerCase()) ?? value;
  }

  /** Source attributes to view attributes: renamed, transformed, objectClass values mapped, same names merged. */
  attributesToView(attributes: Attribute[]): Attribute[] {
    if (this.isIdentity) {
      // Nothing renamed: copy (callers extend the arrays) and merge only where a source repeats a name.
      const seen = new Set<string>();
      const out: Attribute[] = [];
      for (const a of attributes) {
        const key = a.type.toLowerCase();
        if (seen.has(key)) out.find((x) => x.type.toLowerCase() === key)!.values.push(...a.values);
        else { seen.add(key); out.push({ type: a.type, values: [...a.values] }); }
      }
      return out;
    }
    const out = new Map<string, Attribute>();
    for (const a of attributes) {
      const name = this.toView(a.type);
      if (name === undefined) continue;
      const isOc = name.toLowerCase() === 'objectclass';
      const t = this.transformOf(name);
      const values = a.values.map((v) => (isOc ? this.objectClassToView(v) : applyTransform(t, v)));
      const key = name.toLowerCase();
      const existing = out.get(key);
      if (existing) existing.values.push(...values);
      else out.set(key, { type: name, values });
    }
    return [...out.values()];
  }

  /** View attributes to the source's names (values pass unchanged but objectClass names are mapped). */
  attributesToSource(attributes: Attribute[]): Attribute[] {
    return attributes.map((a) => {
      const type = this.toSource(a.type);
      const isOc = a.type.toLowerCase() === 'objectclass';
      return { type, values: isOc ? a.values.map((v) => this.objectClassToSource(v)) : [...a.values] };
    });
  }
}
