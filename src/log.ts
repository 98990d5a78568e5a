/**
 * Logging: winston, one JSON object per line, the current request id on every
 * line (carried by AsyncLocalStorage so callees need not pass it), and secrets
 * redacted by key name before anything is written.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import winston from 'winston';

export type Logger = winston.Logger;

const requestScope = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `fn` with `requestId` attached to every log line written inside it. */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return requestScope.run({ requestId }, fn);
}

export function currentRequestId(): string | undefined {
  return requestScope.getStore()?.requestId;
}

// Any key that looks like it holds a secret is replaced, at any depth.
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|kek|privatekey|sessionkey|masterkey|credential|^key$|otp|totp|recovery/i;
export const REDACTED = '[redacted]';

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: value.message, code: (value as { code?: unknown }).code };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? REDACTED : redact(v, depth + 1);
  return out;
}

const addContext = winston.format((info) => {
  const requestId = currentRequestId();
  if (requestId && info.requestId === undefined) info.requestId = requestId;
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'message') continue;
    info[key] = SECRET_KEY.test(key) ? REDACTED : redact(info[key]);
  }
  return info;
});

export interface LogOptions {
  level?: string;
  /** Where to write: omitted for stderr. */
  file?: string;
  component?: string;
}

export function createLogger(options: LogOptions = {}): Logger {
  const transport = options.file
    ? new winston.transports.File({ filename: options.file })
    : new winston.transports.Stream({ stream: process.stderr });
  return winston.createLogger({
    level: options.level ?? 'info',
    defaultMeta: options.component ? { component: options.component } : undefined,
    format: winston.format.combine(addContext(), winston.format.timestamp(), winston.format.json()),
    transports: [transport],
  });
}

/** A logger that drops everything: for unit tests that do not look at logs. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
