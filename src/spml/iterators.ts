/**
 * Search iterators: the PSOs of a search beyond its first page, kept in this
 * process for a while so iterateRequest can fetch them. Bounded in number
 * (least recently used goes first), expire when unused for the TTL, and bound
 * to the caller that opened them: to anyone else they do not exist.
 */
import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Pso } from './model.js';

interface IteratorState {
  owner: string;
  remaining: Pso[];
  /** PSOs per iterateResponse: the opening search's maxSelect. */
  pageSize: number;
}

export interface IteratorStoreOptions {
  maxIterators: number;
  ttlMs: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

export class IteratorStore {
  private readonly cache: LRUCache<string, IteratorState>;

  constructor(options: IteratorStoreOptions) {
    this.cache = new LRUCache<string, IteratorState>({
      max: options.maxIterators,
      ttl: options.ttlMs,
      updateAgeOnGet: true,
      ...(options.now ? { perf: { now: options.now }, ttlResolution: 0 } : {}),
    });
  }

  /** Keeps `remaining` and returns the iterator ID (an xsd:ID). */
  open(owner: string, remaining: Pso[], pageSize: number): string {
    const id = `it${randomBytes(18).toString('base64url')}`;
    this.cache.set(id, { owner, remaining, pageSize });
    return id;
  }

  /** The next page of PSOs and whether more remain; undefined for an unknown, expired or foreign iterator. */
  next(owner: string, id: string): { psos: Pso[]; more: boolean } | undefined {
    const state = this.cache.get(id);
    if (!state || state.owner !== owner) return undefined;
    const psos = state.remaining.splice(0, state.pageSize);
    const more = state.remaining.length > 0;
    if (!more) this.cache.delete(id);
    return { psos, more };
  }

  /** Closes an iterator; false when the caller has none by that ID. */
  close(owner: string, id: string): boolean {
    const state = this.cache.get(id);
    if (!state || state.owner !== owner) return false;
    this.cache.delete(id);
    return true;
  }

  get size(): number {
    return this.cache.size;
  }
}
