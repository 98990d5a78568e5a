/**
 * The gateway's access rules (config `access.rules`): who may read, write,
 * manage sessions and provision, where. The first rule that matches the caller,
 * the entry and the right decides; none matching means refused. Checked before
 * any source is asked, so a refused write never reaches a directory.
 */
import type { AccessRule } from '../config/types.js';
import { DirgateError } from '../errors.js';
import { dnEquals, isUnder, normalizeDn } from '../directory/dn.js';

export type Right = AccessRule['operations'][number];

export interface Caller {
  /** Virtual DN of the user; undefined when anonymous. */
  dn?: string;
}

export interface AccessCheck {
  right: Right;
  /** The virtual DN the operation touches. */
  dn: string;
  /** For a modify: the attributes it changes. */
  attributes?: string[];
}

/** Tells whether a user is a member of a group (both virtual DNs). */
export type MembershipLookup = (groupDn: string, userDn: string) => Promise<boolean>;

interface CompiledRule extends AccessRule {
  kind: 'anyone' | 'authenticated' | 'self' | 'group' | 'dn';
  target?: string;
  attributeSet?: Set<string>;
}

function compile(rule: AccessRule): CompiledRule {
  const [kind, ...rest] = rule.who.split(':');
  const target = rest.length ? rest.join(':') : undefined;
  return {
    ...rule,
    kind: kind as CompiledRule['kind'],
    target: target === undefined ? undefined : normalizeDn(target),
    attributeSet: rule.attributes ? new Set(rule.attributes.map((a) => a.toLowerCase())) : undefined,
  };
}

export class AccessPolicy {
  private readonly rules: CompiledRule[];

  constructor(rules: readonly AccessRule[], private readonly isMember: MembershipLookup) {
    this.rules = rules.map(compile);
  }

  private async applies(rule: CompiledRule, caller: Caller, check: AccessCheck): Promise<boolean> {
    if (!rule.operations.includes(check.right)) return false;
    if (rule.subtrees.length && !rule.subtrees.some((s) => isUnder(check.dn, s))) return false;
    if (rule.attributeSet) {
      if (!check.attributes || check.attributes.length === 0) return false;
      if (!check.attributes.every((a) => rule.attributeSet!.has(a.toLowerCase()))) return false;
    }
    switch (rule.kind) {
      case 'anyone': return true;
      case 'authenticated': return caller.dn !== undefined;
      case 'self': return caller.dn !== undefined && dnEquals(caller.dn, check.dn);
      case 'dn': return caller.dn !== undefined && normalizeDn(caller.dn) === rule.target;
      case 'group': return caller.dn !== undefined && this.isMember(rule.target!, caller.dn);
    }
  }

  /** The name of the rule that allows the access, or undefined. */
  async allowedBy(caller: Caller, check: AccessCheck): Promise<string | undefined> {
    for (const [i, rule] of this.rules.entries()) {
      if (await this.applies(rule, caller, check)) return rule.name ?? `rule-${i}`;
    }
    return undefined;
  }

  async allows(caller: Caller, check: AccessCheck): Promise<boolean> {
    return (await this.allowedBy(caller, check)) !== undefined;
  }

  /** Throws ERR_INSUFFICIENT_ACCESS unless a rule allows the access. */
  async require(caller: Caller, check: AccessCheck): Promise<void> {
    if (!(await this.allows(caller, check))) {
      throw new DirgateError('ERR_INSUFFICIENT_ACCESS', `insufficient access rights to ${check.right} ${check.dn}`, { reason: 'access-denied' });
    }
  }
}
