/**
 * helmet's headers for every answer the firewall gives, worked out once: the
 * middleware runs against a recording response at start-up and the resulting
 * list is applied to each answer (helmet's output does not depend on the
 * request). `Server` and `X-Powered-By` are on the list of headers removed from
 * gateway answers (see proxy.ts).
 */
import helmet from 'helmet';

export type HeaderList = ReadonlyArray<readonly [string, string]>;

export function securityHeaders(): HeaderList {
  const recorded = new Map<string, string>();
  const res = {
    setHeader(name: string, value: unknown) { recorded.set(name.toLowerCase(), String(value)); return res; },
    removeHeader(name: string) { recorded.delete(name.toLowerCase()); },
    getHeader(name: string) { return recorded.get(name.toLowerCase()); },
  };
  let failure: unknown;
  (helmet() as unknown as (req: unknown, res: unknown, next: (err?: unknown) => void) => void)({ headers: {} }, res, (err) => { failure = err; });
  if (failure) throw failure;
  return [...recorded.entries()];
}
