/**
 * The unresolved list: identities the view would not join because the join is
 * not certain, for an administrator to fix at the sources. Nothing on this list
 * is ever merged. Items come from searches (as joins meet them) and from
 * reconciliation (a full pass over a branch, which also retires items that no
 * longer hold).
 */
import { normalizeDn } from '../dn.js';

/** Stable, kebab-case reasons: logs, tests and the admin view match on these. */
export type UnresolvedReason =
  /** A primary entry correlates with several entries of one contributor. */
  | 'contributor-ambiguous'
  /** A primary entry has no entry in a contributor marked `required`. */
  | 'contributor-missing'
  /** A contributor entry correlates with several primary entries. */
  | 'primary-ambiguous'
  /** A contributor entry correlates with no primary entry (branch `orphans: unresolved`). */
  | 'orphan'
  /** An entry lacks the correlation attribute(s), where a correlation is needed. */
  | 'correlation-value-missing'
  /** Several primary entries would get the same virtual DN. */
  | 'rdn-duplicate';

export interface UnresolvedItem {
  reason: UnresolvedReason;
  /** The view's suffix. */
  view: string;
  branch: string;
  /** The source holding the entry the item is about. */
  source: string;
  /** That entry's DN, in the source's namespace. */
  sourceDn: string;
  /** The normalised correlation value, where there is one. */
  correlationValue?: string;
  /** The virtual DN the entry has (or would have). */
  virtualDn?: string;
  /** The other side: the contributor (or primary) whose entries collide, and their DNs. */
  otherSource?: string;
  candidates?: string[];
  /** ISO time the item was first seen. */
  since: string;
}

function itemKey(i: Pick<UnresolvedItem, 'reason' | 'view' | 'branch' | 'source' | 'sourceDn' | 'otherSource'>): string {
  return [i.reason, i.view, i.branch, i.source, i.sourceDn.toLowerCase(), i.otherSource ?? ''].join('\u0000');
}

export class UnresolvedList {
  private readonly items = new Map<string, UnresolvedItem>();
  /** `<branch id>\0<part id>\0<key>` of correlation keys that must not be joined. */
  private readonly blockedKeys = new Map<string, number>();
  /** `<branch id>\0<normalised virtual DN>` of names several primary entries carry. */
  private readonly duplicateNames = new Set<string>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  private static blockKey(branchId: string, partId: string, key: string): string {
    return `${branchId}\u0000${partId}\u0000${key}`;
  }

  private noteDuplicateName(branchId: string, virtualDn: string): void {
    try { this.duplicateNames.add(`${branchId}\u0000${normalizeDn(virtualDn)}`); } catch { /* not a DN: nothing to note */ }
  }

  add(item: Omit<UnresolvedItem, 'since'>, block?: { branchId: string; partId: string }, branchId?: string): boolean {
    if (item.reason === 'rdn-duplicate' && item.virtualDn && branchId) this.noteDuplicateName(branchId, item.virtualDn);
    const k = itemKey(item);
    if (this.items.has(k)) return false;
    this.items.set(k, { ...item, since: this.now().toISOString() });
    if (block && item.correlationValue !== undefined) {
      const bk = UnresolvedList.blockKey(block.branchId, block.partId, item.correlationValue);
      this.blockedKeys.set(bk, (this.blockedKeys.get(bk) ?? 0) + 1);
    }
    return true;
  }

  /** Whether reconciliation found several primary entries that would carry this virtual DN. */
  isDuplicateName(branchId: string, virtualDnKey: string): boolean {
    return this.duplicateNames.has(`${branchId}\u0000${virtualDnKey}`);
  }

  /** Whether a correlation key is known to be ambiguous for that contributor (so must not be joined). */
  isBlocked(branchId: string, partId: string, key: string): boolean {
    return this.blockedKeys.has(UnresolvedList.blockKey(branchId, partId, key));
  }

  /**
   * Replaces everything known about one branch with a reconciliation's findings;
   * items found again keep their original `since`.
   */
  replaceBranch(view: string, branch: string, branchId: string,
    found: Array<{ item: Omit<UnresolvedItem, 'since'>; block?: { partId: string } }>): void {
    const previous = new Map<string, UnresolvedItem>();
    for (const [k, v] of this.items) if (v.view === view && v.branch === branch) { previous.set(k, v); this.items.delete(k); }
    for (const bk of [...this.blockedKeys.keys()]) if (bk.startsWith(`${branchId}\u0000`)) this.blockedKeys.delete(bk);
    for (const d of [...this.duplicateNames]) if (d.startsWith(`${branchId}\u0000`)) this.duplicateNames.delete(d);
    for (const { item, block } of found) {
      if (item.reason === 'rdn-duplicate' && item.virtualDn) this.noteDuplicateName(branchId, item.virtualDn);
      const k = itemKey(item);
      const since = previous.get(k)?.since ?? this.now().toISOString();
      this.items.set(k, { ...item, since });
      if (block && item.correlationValue !== undefined) {
        const bk = UnresolvedList.blockKey(branchId, block.partId, item.correlationValue);
        this.blockedKeys.set(bk, (this.blockedKeys.get(bk) ?? 0) + 1);
      }
    }
  }

  list(): UnresolvedItem[] {
    return [...this.items.values()].sort((a, b) =>
      a.view.localeCompare(b.view) || a.branch.localeCompare(b.branch) || a.reason.localeCompare(b.reason) || a.sourceDn.localeCompare(b.sourceDn));
  }

  get size(): number {
    return this.items.size;
  }
}
