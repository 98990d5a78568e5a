/**
 * Finds changes made behind dirgate's back, so cached joins do not outlive
 * them: every `refreshSeconds`, each source is asked for the entries under the
 * polled bases whose `modifyTimestamp` is at or after the last one seen. Where
 * the source keeps a `contextCSN` on its base entry, an unchanged CSN skips the
 * searches altogether. Timestamps are the server's own (never our clock, past
 * the first poll), and entries already seen at the current mark are recognised
 * by their entryCSN so they are not reported twice.
 *
 * A changed entry comes with all its user attributes and, by name, those the
 * handler asks for at each poll (`extraAttributes`: the attributes cached
 * searches filter on), so that the handler knows which attributes the entry
 * does not have. Every source's changes of one poll are handed over at once.
 *
 * Deletions do not show in a modifyTimestamp search; a deleted entry leaves the
 * cache when its time-to-live runs out (or at once when deleted through dirgate).
 */
import type { Logger } from '../../log.js';
import type { Entry } from '../model.js';
import type { LdapSource } from '../sources/types.js';
import { firstString } from '../model.js';
import { isUnder, normalizeDn } from '../dn.js';
import { collectEntries } from '../view/source-io.js';
import { formatGeneralizedTime, parseGeneralizedTime } from '../view/matching.js';

export interface PollTarget {
  source: LdapSource;
  baseDn: string;
  /** Attributes the change handler needs (naming and correlation attributes). */
  attributes: string[];
  /** More attributes to ask for by name, decided at each poll. */
  extraAttributes?: () => string[];
}

export interface ChangedEntry {
  sourceName: string;
  /** All its user attributes, and the attributes asked for by name. */
  entry: Entry;
  /** Attributes asked for by name (lower-case): one of these the entry lacks, it does not have. */
  requested: ReadonlySet<string>;
}

export interface PollReport {
  sources: Array<{ source: string; changed: number; skipped: boolean; error?: string }>;
}

export interface ChangePollerOptions {
  targets: PollTarget[];
  intervalMs: number;
  log: Logger;
  /** Every source's changes of a poll, together; awaited before the poll ends. */
  onChanges: (changes: ChangedEntry[]) => void | Promise<void>;
  now?: () => number;
  /** How far before start-up the first poll looks (covers a server clock a little behind ours). */
  initialLookbackMs?: number;
}

interface SourceState {
  source: LdapSource;
  bases: Array<{ baseDn: string }>;
  attributes: string[];
  extra: Array<() => string[]>;
  mark: string;
  markMs: number;
  seen: Set<string>;
  csn?: string;
}

export class ChangePoller {
  private readonly states: SourceState[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PollReport> | undefined;

  constructor(private readonly options: ChangePollerOptions) {
    const now = (options.now ?? Date.now)();
    const startMs = now - (options.initialLookbackMs ?? 5 * 60_000);
    const bySource = new Map<string, SourceState>();
    for (const t of options.targets) {
      let s = bySource.get(t.source.name);
      if (!s) {
        s = { source: t.source, bases: [], attributes: [], extra: [], mark: formatGeneralizedTime(startMs), markMs: startMs, seen: new Set() };
        bySource.set(t.source.name, s);
      }
      if (t.extraAttributes) s.extra.push(t.extraAttributes);
      for (const a of t.attributes) if (!s.attributes.some((x) => x.toLowerCase() === a.toLowerCase())) s.attributes.push(a);
      s.bases.push({ baseDn: t.baseDn });
    }
    for (const s of bySource.values()) {
      // A base under another base of the same source is covered by the outer one.
      s.bases = s.bases.filter((b, i) => !s.bases.some((o, j) => j !== i && isUnder(b.baseDn, o.baseDn)
        && !(normalizeDn(b.baseDn) === normalizeDn(o.baseDn) && j > i)));
      this.states.push(s);
    }
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => { void this.pollOnce(); }, this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One poll of every source; concurrent calls share the poll in progress. */
  pollOnce(): Promise<PollReport> {
    if (!this.running) {
      this.running = this.doPoll().finally(() => { this.running = undefined; });
    }
    return this.running;
  }

  private async doPoll(): Promise<PollReport> {
    const report: PollReport = { sources: [] };
    const all: ChangedEntry[] = [];
    await Promise.all(this.states.map(async (s) => {
      try {
        const changed = await this.pollSource(s);
        report.sources.push({ source: s.source.name, changed: changed?.length ?? 0, skipped: changed === undefined });
        if (changed) all.push(...changed);
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'error';
        this.options.log.warn('change poll failed; will retry', { source: s.source.name, code });
        report.sources.push({ source: s.source.name, changed: 0, skipped: false, error: String(code) });
      }
    }));
    // Together: a person changed in two sources at once is judged on both new states.
    if (all.length > 0) await this.options.onChanges(all);
    return report;
  }

  private async readCsn(s: SourceState): Promise<string | undefined> {
    try {
      const [base] = await collectEntries(s.source, { baseDN: s.source.baseDn, scope: 'base', attributes: ['contextCSN'] });
      const values = base?.attributes.find((a) => a.type.toLowerCase() === 'contextcsn')?.values ?? [];
      return values.length ? values.map(String).sort().join('|') : undefined;
    } catch {
      return undefined;
    }
  }

  /** The changed entries, or undefined when the contextCSN says nothing changed. */
  private async pollSource(s: SourceState): Promise<ChangedEntry[] | undefined> {
    const csn = await this.readCsn(s);
    if (csn !== undefined && s.csn !== undefined && csn === s.csn) return undefined;
    const named = [...s.attributes];
    for (const extra of s.extra) for (const a of extra()) if (!named.some((x) => x.toLowerCase() === a.toLowerCase())) named.push(a);
    const attributes = ['*', ...named, 'modifyTimestamp', 'entryCSN'];
    const requested = new Set(named.map((a) => a.toLowerCase()));
    const found: Entry[] = [];
    for (const b of s.bases) {
      found.push(...await collectEntries(s.source, {
        baseDN: b.baseDn,
        scope: 'sub',
        filter: { type: 'greaterOrEqual', attribute: 'modifyTimestamp', value: s.mark },
        attributes,
      }));
    }
    const changes: ChangedEntry[] = [];
    let maxMs = s.markMs;
    let maxMark = s.mark;
    const ids = new Map<string, number>();
    for (const e of found) {
      const ts = firstString(e, 'modifyTimestamp');
      const ms = ts === undefined ? undefined : parseGeneralizedTime(ts);
      const id = `${e.dn.toLowerCase()}|${firstString(e, 'entryCSN') ?? ts ?? ''}`;
      if (ms !== undefined) {
        ids.set(id, ms);
        if (ms > maxMs) { maxMs = ms; maxMark = ts!; }
      }
      if (!s.seen.has(id)) changes.push({ sourceName: s.source.name, entry: e, requested });
    }
    // Remember what sits exactly at the new mark, so the next `>=` search does not report it again.
    const atMark = [...ids.entries()].filter(([, ms]) => ms === maxMs).map(([id]) => id);
    s.seen = maxMs === s.markMs ? new Set([...s.seen, ...atMark]) : new Set(atMark);
    s.mark = maxMark;
    s.markMs = maxMs;
    if (csn !== undefined) s.csn = csn;
    return changes;
  }
}
