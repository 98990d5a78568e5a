/**
 * The virtual directory: one namespace and one schema over several LDAP
 * sources. `createVirtualDirectory` compiles the views, and wires the search
 * path (view/search.ts), the write router (view/writes.ts), the cache with its
 * change poller (cache/), reconciliation and the unresolved list, and the
 * extended profile store (profile/store.ts).
 *
 * Operations run with the sources' service accounts: the gateway authorizes a
 * request before it reaches the directory. The sources are the caller's; close()
 * stops dirgate's own timers and leaves them open.
 */
import { randomBytes } from 'node:crypto';
import { DirgateError, LDAP_RESULT } from '../errors.js';
import type { CacheConfig, ProfileConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type {
  AddRequest, CompareRequest, DeleteRequest, Directory, Entry, ExtendedRequest, ExtendedResult, Filter, ModifyDNRequest,
  ModifyRequest, OperationContext, OperationResult, SearchEvent, SearchRequest,
} from './model.js';
import type { LdapSource, SourceHealth } from './sources/types.js';
import { type CacheStats, DirectoryCache } from './cache/directory-cache.js';
import { ChangePoller, type ChangedEntry, type PollReport, type PollTarget } from './cache/change-poller.js';
import { applyChanges, filterSourceAttributes } from './cache/change-impact.js';
import { createProfileStore, type ProfileStore } from './profile/store.js';
import {
  type CompiledBranch, type CompiledView, type ViewsConfig, compileViews, ownerOf, primaryViewAttributes, sourceRdnAttribute, virtualDnFor,
} from './view/branch.js';
import { checkViewsConfig } from './view/config-checks.js';
import { DnRewriter } from './view/dn-rewrite.js';
import { formatDn, isUnder, normalizeDn, parseDn } from './dn.js';
import { linkFor, sourceKey } from './view/join.js';
import { matches } from './view/filter-eval.js';
import { newPagingKey } from './view/paging.js';
import { syntaxOf, valuesEqual } from './view/matching.js';
import { reconcileBranch } from './view/reconcile.js';
import {
  type ViewEngine, locateBase, lookupEntry, newSearchState, refuseCriticalControls, rememberEntry, searchViews,
} from './view/search.js';
import { type Selection, selection } from './view/project.js';
import { syntheticEntries } from './view/synthetic.js';
import { UnresolvedList, type UnresolvedItem } from './view/unresolved.js';
import { WriteRouter } from './view/writes.js';

export type { UnresolvedItem, UnresolvedReason } from './view/unresolved.js';
export type { CacheStats } from './cache/directory-cache.js';
export type { ProfileStore } from './profile/store.js';
export { rdn, escapeDnValue, parseDn, formatDn, normalizeDn, dnEquals, isUnder } from './dn.js';

export interface VirtualDirectoryConfig {
  views: ViewsConfig | ReadonlyArray<unknown>;
  cache: CacheConfig & { maxResultEntries?: number };
  profile?: ProfileConfig | undefined;
  sources?: ReadonlyArray<{ name: string; baseDn: string; readOnly?: boolean }>;
}

export interface VirtualDirectoryOptions {
  log: Logger;
  sources: Map<string, LdapSource>;
  /** Start the change poller and periodic reconciliation (default true). Tests drive them by hand. */
  background?: boolean;
  /** Primary entries joined per contributor round trip (default 100). */
  batchSize?: number;
  /**
   * Signs the paged-results cookies of searches (default: random, so a cookie is good only on this
   * directory until it closes). Gateways that share paged searches pass one shared secret.
   */
  pagingKey?: Buffer;
}

export interface VirtualDirectoryHealth {
  /** False when a primary source of any branch is down. */
  up: boolean;
  sources: SourceHealth[];
  unresolved: number;
  cache: CacheStats;
  lastPoll?: { at: string; report: PollReport };
  reconciled: Record<string, string>;
}

export interface VirtualDirectory extends Directory {
  /** The entry of a user by bare user name (`alice`, matched on `uid` in every branch), or undefined (also when ambiguous). */
  resolveUser(name: string): Promise<Entry | undefined>;
  /**
   * A password check that cannot succeed (a bind to a name no entry has, on
   * the first branch's primary source), for a login that named nobody: it then
   * pays for a bind as a wrong password does, so how long the refusal takes
   * says less about whether the user exists. Never throws.
   */
  checkDecoyPassword(password: string): Promise<void>;
  /** Identities the view would not join, for an administrator. */
  unresolved(): UnresolvedItem[];
  cacheStats(): CacheStats;
  health(): VirtualDirectoryHealth;
  /** One change poll of every source now (what the timer does every `refreshSeconds`). */
  pollChanges(): Promise<PollReport>;
  /** A full re-join of every branch (or the named ones) to refresh the unresolved list. */
  reconcile(branches?: string[]): Promise<void>;
  /** The extended profile store, when `profile` is configured. */
  readonly profile: ProfileStore | undefined;
  close(): Promise<void>;
}

export function createVirtualDirectory(config: VirtualDirectoryConfig, options: VirtualDirectoryOptions): VirtualDirectory {
  const { log } = options;
  const viewsConfig = config.views as ViewsConfig;
  const sourcesForChecks = config.sources ?? [...options.sources.values()].map((s) => ({ name: s.name, baseDn: s.baseDn, readOnly: s.readOnly }));
  const problems = checkViewsConfig({ sources: [...sourcesForChecks], views: viewsConfig, profile: config.profile });
  if (problems.length) throw new DirgateError('ERR_CONFIG_INVALID', `invalid views configuration:\n  - ${problems.join('\n  - ')}`, { reason: 'views-invalid' });

  const views: CompiledView[] = compileViews(viewsConfig, options.sources, config.profile);
  const branches = views.flatMap((v) => v.branches);
  const cache = new DirectoryCache(config.cache);
  const unresolvedList = new UnresolvedList();
  const engine: ViewEngine = {
    views,
    synthetic: syntheticEntries(views),
    cache,
    unresolved: unresolvedList,
    rewriter: new DnRewriter(views),
    log,
    batchSize: options.batchSize ?? 100,
    pagingKey: options.pagingKey ?? newPagingKey(),
  };
  const reconciled: Record<string, string> = {};
  const dirty = new Set<string>();
  let lastPoll: VirtualDirectoryHealth['lastPoll'];
  let closed = false;

  /**
   * Drop what a write to a source entry through dirgate (the profile store) may have altered: its entries, and
   * every search of its branches. Changes seen by the poller are placed precisely (cache/change-impact.ts).
   */
  const sourceEntryChanged = (sourceName: string, entry: Entry): void => {
    cache.invalidateSourceEntry(sourceKey(sourceName, entry.dn));
    for (const b of branches) {
      for (const part of [b.primary, ...b.contributors]) {
        if (part.sourceName !== sourceName) continue;
        let under = false;
        try { under = isUnder(entry.dn, part.base); } catch { under = false; }
        if (!under) continue;
        if (part === b.primary) {
          const vdn = virtualDnFor(b, primaryViewAttributes(b, entry), entry.dn);
          if (vdn) cache.invalidateDn(normalizeDn(vdn));
        } else if (part.role === 'profile') {
          const v = entry.attributes.find((a) => a.type.toLowerCase() === part.mapping.toSource(b.rdnAttribute).toLowerCase())?.values[0]
            ?? parseDn(entry.dn)[0]?.[0]?.value;
          if (typeof v === 'string') cache.invalidateDn(normalizeDn(formatDn([[{ type: b.rdnAttribute, value: v }], ...b.dnParsed])));
        }
        const link = linkFor(b, part);
        if (link) for (const k of link.partKeys(entry)) cache.invalidateKey(b.id, k);
        cache.invalidateBranchSearches(b.id);
        dirty.add(b.id);
      }
    }
  };

  const profile = config.profile
    ? createProfileStore({
      source: (() => {
        const s = options.sources.get(config.profile!.source);
        if (!s) throw new DirgateError('ERR_CONFIG_INVALID', `profile.source: no source named "${config.profile!.source}" was given to the virtual directory`);
        return s;
      })(),
      baseDn: config.profile.baseDn,
      onWrite: (dn) => sourceEntryChanged(config.profile!.source, { dn, attributes: [] }),
    })
    : undefined;

  const writes = new WriteRouter({
    engine,
    ...(profile ? { profile } : {}),
    changed: ({ branch, virtualDns, sourceKeys, keys }) => {
      for (const v of virtualDns) cache.invalidateDn(normalizeDn(v));
      for (const [s, dn] of sourceKeys) cache.invalidateSourceEntry(sourceKey(s, dn));
      for (const k of keys) cache.invalidateKey(branch.id, k);
      dirty.add(branch.id);
    },
  });

  // Change polling: every base a branch reads, with what is needed to place a change and judge its new state.
  const targets: PollTarget[] = [];
  for (const b of branches) {
    targets.push({
      source: b.primary.source, baseDn: b.primary.baseDn,
      attributes: [sourceRdnAttribute(b), ...(b.correlation?.attributes.map((a) => b.primary.mapping.toSource(a)) ?? [])],
      extraAttributes: () => filterSourceAttributes(cache, b.primary),
    });
    for (const p of b.contributors) {
      const link = linkFor(b, p);
      targets.push({ source: p.source, baseDn: p.baseDn, attributes: link?.keyAttributes ?? [], extraAttributes: () => filterSourceAttributes(cache, p) });
    }
  }
  const changesSeen = async (changes: ChangedEntry[]): Promise<void> => {
    try {
      await applyChanges({ views, branches, rewriter: engine.rewriter, cache, log, touched: (b) => dirty.add(b.id) }, changes);
    } catch (err) {
      // Not judged: dropped the old way.
      log.warn('change handling failed; dropping the changed branches\' searches', { code: (err as { code?: string }).code });
      for (const c of changes) sourceEntryChanged(c.sourceName, c.entry);
    }
  };
  const poller = cache.enabled
    ? new ChangePoller({
      targets,
      intervalMs: config.cache.refreshSeconds * 1000,
      log,
      onChanges: changesSeen,
    })
    : undefined;

  async function reconcile(names?: string[]): Promise<void> {
    for (const b of branches) {
      if (names && !names.includes(b.name)) continue;
      try {
        const found = await reconcileBranch(b, unresolvedList);
        reconciled[b.id] = new Date().toISOString();
        dirty.delete(b.id);
        if (found.length) log.info('unresolved identities', { view: b.viewSuffix, branch: b.name, count: found.length });
        // Blocked keys may have changed: joins made before are no longer trusted.
        cache.invalidateBranch(b.id);
      } catch (err) {
        log.warn('reconciliation failed; will retry', { view: b.viewSuffix, branch: b.name, code: (err as { code?: string }).code });
      }
    }
  }

  const timers: NodeJS.Timeout[] = [];
  if (options.background !== false) {
    poller?.start();
    void reconcile();
    for (const b of branches) {
      if (b.reconcileSeconds <= 0) continue;
      const t = setInterval(() => { void reconcile([b.name]); }, b.reconcileSeconds * 1000);
      t.unref();
      timers.push(t);
    }
  }

  const refuseIfClosed = () => {
    if (closed) throw new DirgateError('ERR_UNWILLING_TO_PERFORM', 'the directory is closed', { reason: 'closed' });
  };

  /**
   * The joined entry of a virtual DN (cache first), or undefined. With `sel`, a cache miss asks only the
   * sources that own what it selects (`1.1`: the primary alone, enough for a bind), and the partial entry is
   * not cached; `missing` names the parts that were asked and did not answer.
   */
  async function entryOf(branch: CompiledBranch, value: string, dnKey: string, ctx: OperationContext, sel?: Selection) {
    const hit = cache.getEntry('', dnKey);
    if (hit) return { ...hit, missing: new Set<string>() };
    const state = newSearchState(ctx.signal ?? new AbortController().signal);
    const j = await lookupEntry(engine, branch, value, sel ?? selection([]), state);
    if (!j) return undefined;
    if (!sel && j.complete) rememberEntry(engine, j);
    return { entry: j.entry, branchId: branch.id, primaryDn: j.primaryDn, sourceKeys: [], keys: j.keys, missing: new Set(state.unavailable.keys()) };
  }

  const directory: VirtualDirectory = {
    profile,

    search(req: SearchRequest, ctx: OperationContext): AsyncIterable<SearchEvent> {
      refuseIfClosed();
      return searchViews(engine, req, ctx);
    },

    async add(req: AddRequest): Promise<OperationResult> {
      refuseIfClosed();
      refuseCriticalControls(req.controls);
      await writes.add(req);
      return { resultCode: LDAP_RESULT.success };
    },

    async modify(req: ModifyRequest): Promise<OperationResult> {
      refuseIfClosed();
      refuseCriticalControls(req.controls);
      await writes.modify(req);
      return { resultCode: LDAP_RESULT.success };
    },

    async delete(req: DeleteRequest): Promise<OperationResult> {
      refuseIfClosed();
      refuseCriticalControls(req.controls);
      await writes.delete(req);
      return { resultCode: LDAP_RESULT.success };
    },

    async modifyDN(req: ModifyDNRequest): Promise<OperationResult> {
      refuseIfClosed();
      refuseCriticalControls(req.controls);
      await writes.modifyDN(req);
      return { resultCode: LDAP_RESULT.success };
    },

    async compare(req: CompareRequest, ctx: OperationContext): Promise<OperationResult> {
      refuseIfClosed();
      refuseCriticalControls(req.controls);
      const dn = parseDn(req.dn);
      const target = locateBase(engine, dn);
      let entry: Entry;
      if (target.kind === 'synthetic') entry = target.synthetic.entry;
      else {
        const owner = ownerOf(target.branch, req.attribute);
        const found = await entryOf(target.branch, target.value, normalizeDn(dn), ctx, selection([req.attribute]));
        if (!found) throw new DirgateError('ERR_NO_SUCH_OBJECT', `no such object: ${formatDn(dn)}`, { matchedDN: target.branch.dn });
        // The owner did not answer: the value is unknown, which is not the same as absent.
        if (found.missing.has(owner.id)) {
          throw new DirgateError('ERR_COULD_NOT_CONNECT', `the source ${owner.sourceName} that keeps ${req.attribute} could not be reached`, { reason: 'source-unavailable' });
        }
        // Binary values the view does not hold (userPassword is read hashed): the source compares.
        if (syntaxOf(req.attribute) === 'binary' && owner === target.branch.primary) {
          return owner.source.compare({ dn: found.primaryDn, attribute: owner.mapping.toSource(req.attribute), value: req.value, controls: [] });
        }
        entry = found.entry;
      }
      const values = entry.attributes.filter((a) => a.type.toLowerCase() === req.attribute.toLowerCase()).flatMap((a) => a.values);
      if (values.length === 0) throw new DirgateError('ERR_NO_SUCH_ATTRIBUTE', `${formatDn(dn)} has no ${req.attribute}`);
      const equal = values.some((v) => valuesEqual(req.attribute, v, req.value) === true);
      return { resultCode: equal ? LDAP_RESULT.compareTrue : LDAP_RESULT.compareFalse };
    },

    async extended(req: ExtendedRequest): Promise<ExtendedResult> {
      throw new DirgateError('ERR_UNSUPPORTED_OPERATION', `extended operation ${req.oid} is not supported by the virtual directory`);
    },

    async bind(dnText: string, password: string, ctx: OperationContext): Promise<string> {
      refuseIfClosed();
      const fail = (reason: string) => new DirgateError('ERR_AUTHENTICATION_FAILED', 'authentication failed', { reason });
      if (!password) throw fail('password-empty');
      let dn;
      try { dn = parseDn(dnText); } catch { throw fail('user-unknown'); }
      let target;
      try { target = locateBase(engine, dn); } catch { throw fail('user-unknown'); }
      if (target.kind !== 'entry') throw fail('user-unknown');
      const found = await entryOf(target.branch, target.value, normalizeDn(dn), ctx, selection(['1.1']));
      if (!found) throw fail('user-unknown');
      await target.branch.primary.source.verifyPassword(found.primaryDn, password, ctx.signal ? { signal: ctx.signal } : {});
      return found.entry.dn;
    },

    async checkDecoyPassword(password: string): Promise<void> {
      const branch = branches[0];
      if (!branch || !password || closed) return;
      const nobody = formatDn([[{ type: sourceRdnAttribute(branch), value: `dirgate-decoy-${randomBytes(12).toString('hex')}` }], ...branch.primary.base]);
      try {
        await branch.primary.source.verifyPassword(nobody, password);
      } catch {
        // The refusal is the point.
      }
    },

    async resolveUser(name: string): Promise<Entry | undefined> {
      refuseIfClosed();
      if (!name) return undefined;
      const filter: Filter = { type: 'equality', attribute: 'uid', value: name };
      const hits: Entry[] = [];
      for (const v of views) {
        const req: SearchRequest = {
          baseDN: v.suffix, scope: 'sub', derefAliases: 'never', sizeLimit: 2, timeLimit: 0, typesOnly: false, filter, attributes: [], controls: [],
        };
        for await (const ev of searchViews(engine, req, { requestId: 'resolve-user', principal: { service: true } })) {
          if (ev.kind === 'entry' && matches(filter, ev.entry)) hits.push(ev.entry);
        }
      }
      if (hits.length > 1) {
        log.warn('user name matches several entries; refusing to choose', { reason: 'user-ambiguous', count: hits.length });
        return undefined;
      }
      return hits[0];
    },

    unresolved: () => unresolvedList.list(),
    cacheStats: () => cache.stats(),

    health(): VirtualDirectoryHealth {
      const seen = new Map<string, SourceHealth>();
      for (const s of options.sources.values()) seen.set(s.name, s.health());
      const up = branches.every((b) => seen.get(b.primary.sourceName)?.up !== false);
      return {
        up, sources: [...seen.values()], unresolved: unresolvedList.size, cache: cache.stats(),
        ...(lastPoll ? { lastPoll } : {}), reconciled: { ...reconciled },
      };
    },

    async pollChanges(): Promise<PollReport> {
      if (!poller) return { sources: [] };
      const report = await poller.pollOnce();
      lastPoll = { at: new Date().toISOString(), report };
      cache.purgeStale();
      return report;
    },

    reconcile,

    async close(): Promise<void> {
      closed = true;
      poller?.stop();
      for (const t of timers) clearInterval(t);
    },
  };
  return directory;
}
