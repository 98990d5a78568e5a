/**
 * Readiness: every configured source answers and the key server is reachable.
 * Each check reports its own line so an operator sees which part is down; the
 * names are configuration names, never host names.
 */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Array<{ name: string; ok: boolean; error?: string }>;
}

export async function runReadiness(checks: ReadinessCheck[], timeoutMs = 3000): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (c) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          c.check(),
          new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timed out')), timeoutMs); }),
        ]);
        return { name: c.name, ok: true };
      } catch (err) {
        // The error text stays in the gateway's log; the report says only that it failed.
        return { name: c.name, ok: false, error: (err as { reason?: string }).reason ?? 'unavailable' };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: results.every((r) => r.ok), checks: results };
}
