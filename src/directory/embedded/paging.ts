/**
 * Simple Paged Results (RFC 2696) state of one connection: the entries still
 * to send for each outstanding cookie. A cookie is bound to the connection
 * and to the exact search that created it; a connection keeps a bounded number
 * of open result sets, dropping the oldest.
 */
import { randomBytes } from 'node:crypto';

export interface PagedResultSet {
  /** Identifies the search (base, scope, filter, attributes, caller): a cookie only continues the same one. */
  signature: string;
  /** Keys of the entries still to send, in order. */
  remaining: string[];
  /** Entries sent so far, for the request's size limit. */
  sent: number;
}

const MAX_OPEN = 16;

export class PagedResults {
  private readonly open = new Map<string, PagedResultSet>();

  /** Stores a result set and returns its cookie. */
  save(set: PagedResultSet): Buffer {
    const cookie = randomBytes(12);
    this.open.set(cookie.toString('hex'), set);
    while (this.open.size > MAX_OPEN) this.open.delete(this.open.keys().next().value!);
    return cookie;
  }

  /** Takes the set for a cookie out (the caller saves it again under a new cookie if it goes on). */
  take(cookie: Buffer): PagedResultSet | undefined {
    const id = cookie.toString('hex');
    const set = this.open.get(id);
    this.open.delete(id);
    return set;
  }
}
