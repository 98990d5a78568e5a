import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { SCHEMA_DIR } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/types.js';
import { checkSpmlConfig, spmlConfigWithDefaults, type SpmlConfig } from '../../../src/spml/config.js';

/** The spml section validated the way the loader does it: referenced from a parent schema, defaults applied. */
function validate(spml: unknown): { ok: boolean; value: SpmlConfig; errors: string[] } {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictTypes: false });
  ajv.addSchema(JSON.parse(readFileSync(path.join(SCHEMA_DIR, 'config', 'spml.schema.json'), 'utf8')));
  const check = ajv.compile({ type: 'object', properties: { spml: { $ref: 'https://dirgate.dev/schemas/config/spml.schema.json' } } });
  const doc = { spml: structuredClone(spml) } as { spml: SpmlConfig };
  const ok = check(doc) as boolean;
  return { ok, value: doc.spml, errors: (check.errors ?? []).map((e) => `${e.instancePath} ${e.message}`) };
}

const minimalTarget = { name: 'people', dn: 'ou=people,o=example', rdnAttribute: 'uid', schema: { objectClasses: [{ name: 'inetOrgPerson', attributes: [{ name: 'cn' }] }] } };

function configWith(spml: Partial<SpmlConfig>): Config {
  return {
    views: [{ suffix: 'o=example', branches: [{ name: 'people', dn: 'ou=people,o=example', rdnAttribute: 'uid' }] }],
    spml: spmlConfigWithDefaults(spml as Parameters<typeof spmlConfigWithDefaults>[0]),
  } as unknown as Config;
}

describe('the spml configuration section', () => {
  it('fills in the documented defaults, the same as spmlConfigWithDefaults', () => {
    const { ok, value, errors } = validate({ targets: [minimalTarget] });
    assert.ok(ok, errors.join('; '));
    assert.deepEqual(value, JSON.parse(JSON.stringify(spmlConfigWithDefaults({ targets: [minimalTarget] }))));
    assert.deepEqual(value.targets[0]!.psoId, { strategy: 'server', attribute: 'entryUUID' });
    assert.deepEqual(value.targets[0]!.operations, ['add', 'lookup', 'modify', 'delete', 'search']);
    assert.equal(value.search.iteratorTtlSeconds, 300);
  });

  it('refuses unknown keys, unknown operations and a target without schema', () => {
    const { ok, errors } = validate({ targetz: [], targets: [{ ...minimalTarget, operations: ['explode'] }, { name: 'x', dn: 'o=x', rdnAttribute: 'cn' }] });
    assert.equal(ok, false);
    assert.ok(errors.some((e) => /additional properties/.test(e)), errors.join('; '));
    assert.ok(errors.some((e) => /operations\/0/.test(e)), errors.join('; '));
    assert.ok(errors.some((e) => /required property 'schema'/.test(e)), errors.join('; '));
  });

  it('reports every cross-key problem at once', () => {
    const problems = checkSpmlConfig(configWith({
      targets: [
        { ...minimalTarget, operations: ['expirePassword', 'suspend'] },
        { ...minimalTarget },
        { ...minimalTarget, name: 'elsewhere', dn: 'ou=people,o=other' },
        { ...minimalTarget, name: 'wrong-rdn', dn: 'ou=people,o=example', rdnAttribute: 'cn' },
        { ...minimalTarget, name: 'client', dn: 'ou=groups,o=example', psoId: { strategy: 'client', attribute: 'entryUUID' } },
      ] as SpmlConfig['targets'],
    }));
    const text = problems.join('\n');
    assert.match(text, /expirePassword needs password.expire/);
    assert.match(text, /suspend, resume and active need the suspend section/);
    assert.match(text, /target "people" is defined twice/);
    assert.match(text, /"ou=people,o=other" is under no view suffix/);
    assert.match(text, /differs from the view branch's rdnAttribute "uid"/);
    assert.match(text, /a client-chosen identifier is a DN/);
    assert.match(text, /overlaps target "people"/);
  });

  it('accepts the demo-style targets', () => {
    assert.deepEqual(checkSpmlConfig(configWith({
      targets: [
        { ...minimalTarget, operations: ['add', 'suspend'], suspend: { attribute: 'employeeType', value: 'dirgate-suspended' } },
        { ...minimalTarget, name: 'groups', dn: 'ou=groups,o=example', rdnAttribute: 'cn', psoId: { strategy: 'client', attribute: 'dn' } },
      ] as SpmlConfig['targets'],
    })), []);
  });
});
