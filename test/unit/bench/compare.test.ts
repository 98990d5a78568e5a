import assert from 'node:assert/strict';
import { compare } from '../../../bench/compare.js';

const run = (date: string, gateway: number, rps: number, met: boolean) => ({
  date,
  machine: { loadAverage: [1, 2, 3] },
  scenarios: [
    { name: 'dsml-search-cached', peak: { rps, p99: 40 }, half: { rps: rps / 2, p99: 12.5 }, cpuUsPerRequest: { gateway, 'slapd-corp': 50, 'load-generator': 150 } },
    { name: 'cache-memory', extra: { rssMiB: 405.4 } },
    { name: 'directory-size@1m', skipped: 'needs --large' },
  ],
  targets: [{ name: 'dsml-search-cached / http-hello', value: rps / 10_000, goal: '>= 0.25x', met }],
});

describe('bench/compare: result files side by side', () => {
  it('puts each scenario of each run in its own columns, with dirgate processes only in the CPU column', () => {
    const table = compare([run('a', 1164, 980, false), run('b', 809, 2600, true)] as never, ['before', 'after']).split('\n');
    assert.equal(table[0], '| scenario | before: req/s | before: half-rate p99 ms | before: CPU µs/req | after: req/s | after: half-rate p99 ms | after: CPU µs/req |');
    assert.equal(table[2], '| dsml-search-cached | 980 | 12.5 | gateway 1,164 | 2,600 | 12.5 | gateway 809 |');
    assert.equal(table[3], '| cache-memory | - | - | RSS 405 MiB | - | - | RSS 405 MiB |');
    assert.equal(table[4], '| directory-size@1m | - | - | skipped | - | - | skipped |');
    assert.ok(table.includes('| dsml-search-cached / http-hello | >= 0.25x | 0.10 | 0.26 (met) |'));
  });
});
