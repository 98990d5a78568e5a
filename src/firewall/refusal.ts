/**
 * The typed error every firewall check throws: a registry error (src/errors.ts)
 * whose reason is one of the firewall's reason ids, plus what an answer needs
 * beyond the registry (Retry-After, the operation and DN that were refused).
 */
import { DirgateError } from '../errors.js';
import { REASONS, type RefusalReason } from './reasons.js';

export interface RefusalDetail {
  /** Seconds, for 429 answers. */
  retryAfterSeconds?: number;
  /** The operation or DN that the rule refused, for the audit line. */
  operation?: string;
  dn?: string;
  cause?: unknown;
}

export class FirewallRefusal extends DirgateError {
  declare readonly reason: RefusalReason;
  readonly detail: RefusalDetail;

  constructor(reason: RefusalReason, detail: RefusalDetail = {}) {
    const spec = REASONS[reason];
    super(spec.code, spec.message, { reason, cause: detail.cause });
    this.name = 'FirewallRefusal';
    this.detail = detail;
  }

  get status(): number {
    return REASONS[this.reason].http;
  }

  /** Firewall messages are written for clients: always shown, whatever the code's `expose`. */
  override get publicMessage(): string {
    return REASONS[this.reason].message;
  }
}

export function refuse(reason: RefusalReason, detail?: RefusalDetail): never {
  throw new FirewallRefusal(reason, detail);
}
