/**
 * The audit trail: one JSON line per decision, to stdout or a file. The event
 * type has no field that could hold a secret (no headers, no body, no
 * credentials beyond the principal's name), so nothing needs redacting here.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { Reason } from './reasons.js';
import type { FirewallSettings } from './settings.js';

export interface AuditEvent {
  time: string;
  requestId: string;
  clientIp: string;
  app: string | null;
  principal: string | null;
  method: string;
  endpoint: string;
  /** The refused operation, or for an allowed batch its distinct operations joined by `,`. */
  operation: string | null;
  /** The refused DN, or for an allowed request the first operation's DN. */
  dn: string | null;
  decision: 'allow' | 'deny';
  reason: Reason;
  /** HTTP status the client received. */
  status: number;
  /** Status the gateway answered with, when it was asked. */
  upstreamStatus?: number;
  durationMs: number;
}

export interface AuditSink {
  write(event: AuditEvent): void;
  close?(): Promise<void>;
}

/**
 * Lines are gathered and written once per turn of the event loop: under load
 * that is one write for many decisions instead of one system call each, and a
 * line is never held back longer than the current turn.
 */
class StreamAuditSink implements AuditSink {
  private pending: string[] = [];
  private scheduled = false;

  constructor(private readonly stream: NodeJS.WritableStream, private readonly owned: WriteStream | undefined) {}

  write(event: AuditEvent): void {
    this.pending.push(JSON.stringify(event));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    if (!this.pending.length) return;
    const text = `${this.pending.join('\n')}\n`;
    this.pending = [];
    this.stream.write(text);
  }

  async close(): Promise<void> {
    this.flush();
    const owned = this.owned;
    if (owned) await new Promise<void>((resolve) => owned.end(resolve));
  }
}

/** The sink the configuration names (`firewall.audit`). */
export function createAuditSink(settings: FirewallSettings['audit']): AuditSink {
  if (settings.destination === 'off') return { write: () => {} };
  if (settings.destination === 'file' && settings.logFile) {
    mkdirSync(path.dirname(settings.logFile), { recursive: true });
    const stream = createWriteStream(settings.logFile, { flags: 'a', mode: 0o640 });
    return new StreamAuditSink(stream, stream);
  }
  return new StreamAuditSink(process.stdout, undefined);
}

/** Keeps events in memory: for tests and for embedding code that forwards them elsewhere. */
export class MemoryAuditSink implements AuditSink {
  readonly events: AuditEvent[] = [];
  write(event: AuditEvent): void {
    this.events.push(event);
  }
}
