import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
// @ts-expect-error: a plain ES module script without type declarations
import { render } from '../../../scripts/config-reference.mjs';

describe('the configuration reference', () => {
  it('is the one the schemas generate (run node scripts/config-reference.mjs after changing a schema)', () => {
    const current = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    assert.equal(current, (render as () => string)());
  });

  it('lists every top-level section of the schema', () => {
    const schema = JSON.parse(readFileSync(new URL('../../../schemas/config.schema.json', import.meta.url), 'utf8'));
    const doc = (render as () => string)();
    for (const section of Object.keys(schema.properties)) assert.ok(doc.includes(`## \`${section}\``), section);
  });
});
