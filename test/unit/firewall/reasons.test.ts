import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { REASONS, type Reason } from '../../../src/firewall/reasons.js';

const doc = readFileSync(new URL('../../../docs/firewall.md', import.meta.url), 'utf8');
const section = doc.slice(doc.indexOf('### Reasons'), doc.indexOf('## The XML screen'));
const rows = new Map([...section.matchAll(/^\| `([a-z-]+)` \| ([^|]+) \| (.+) \|$/gm)].map((m) => [m[1]!, { status: m[2]!.trim(), doc: m[3]!.trim() }]));

describe('firewall reason ids', () => {
  it('are documented in docs/firewall.md, all of them and nothing else, with the same description', () => {
    assert.deepEqual([...rows.keys()].sort(), Object.keys(REASONS).sort());
    for (const [reason, spec] of Object.entries(REASONS)) assert.equal(rows.get(reason)?.doc, spec.doc, reason);
  });

  it('give each refusal its documented status', () => {
    for (const [reason, spec] of Object.entries(REASONS) as [Reason, (typeof REASONS)[Reason]][]) {
      if (reason === 'allowed' || reason === 'upstream-error') continue;
      const expected = spec.form === 'protocol' ? `${spec.http} / 200` : String(spec.http);
      assert.equal(rows.get(reason)?.status, expected, reason);
    }
  });

  it('are stable kebab-case ids', () => {
    for (const reason of Object.keys(REASONS)) assert.match(reason, /^[a-z]+(-[a-z]+)*$/);
  });
});
