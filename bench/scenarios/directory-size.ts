/**
 * directory-size: dsml-search-miss (cache off, every person in turn) on the
 * standard directory (10 000 people per source) and, with --large, on
 * 1 000 000 people per source. The two rates should be close: every search is
 * an indexed equality lookup on each source, whatever the directory's size.
 * Loading the large set (generating 2 x 1 000 000 entries, slapadd with
 * indexes) takes minutes; the row says how long. With --large the 10 000
 * rate is measured before and after the large one (rpsBefore, rpsAfter) and
 * the target compares with their mean, so that the machine's other work,
 * which changes over minutes, favours neither size.
 */
import { dsmlSearchScenario } from '../lib/dsml-search.js';
import type { Scenario, ScenarioResult } from '../lib/scenario.js';

export const LARGE_DIRECTORY = 1_000_000;

const label = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}m` : `${n / 1000}k`);

export const directorySize: Scenario = {
  name: 'directory-size',
  summary: 'dsml-search-miss at 10 000 and (with --large) 1 000 000 people per source',
  async run(ctx) {
    const rows: ScenarioResult[] = [];
    const small = await ctx.fixtures.directory(ctx.options.people);
    rows.push(await dsmlSearchScenario(ctx, small, {
      name: `directory-size@${label(small.count)}`, front: 'none', cache: false, encrypt: false, people: 'spread',
    }));
    await ctx.fixtures.endScenario();
    if (!ctx.options.large) {
      rows.push({ name: `directory-size@${label(LARGE_DIRECTORY)}`, skipped: 'needs --large (loading takes minutes)' });
      return rows;
    }
    const large = await ctx.fixtures.directory(LARGE_DIRECTORY);
    rows.push(await dsmlSearchScenario(ctx, large, {
      name: `directory-size@${label(large.count)}`, front: 'none', cache: false, encrypt: false, people: 'spread',
      extra: { loadSeconds: Math.round(large.loadSeconds) },
    }));
    await ctx.fixtures.endScenario();
    await ctx.fixtures.releaseDirectory(LARGE_DIRECTORY);
    // The small directory once more: the machine's other work changes over minutes, so the 10k rate the target
    // compares with is the mean of the passes before and after the large one, which brackets it in time.
    const again = await dsmlSearchScenario(ctx, small, {
      name: `directory-size@${label(small.count)}`, front: 'none', cache: false, encrypt: false, people: 'spread',
    });
    const first = rows[0]!;
    rows[0] = { ...first, extra: { ...first.extra, rpsBefore: Math.round(first.peak?.rps ?? 0), rpsAfter: Math.round(again.peak?.rps ?? 0) } };
    return rows;
  },
};
