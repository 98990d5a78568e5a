import assert from 'node:assert/strict';
import type { EmbeddedConfig } from '../../../src/config/types.js';
import { checkEmbeddedConfig } from '../../../src/directory/embedded/config-checks.js';

const admin = (dn: string) => ({ dn, password: 'p' });

function config(suffixes: Array<Record<string, unknown>>): EmbeddedConfig {
  return { enabled: true, host: '127.0.0.1', port: 0, suffixes: suffixes as unknown as EmbeddedConfig['suffixes'] };
}

describe('embedded directory configuration checks', () => {
  it('accepts the demo layout', () => {
    assert.deepEqual(checkEmbeddedConfig(config([
      { suffix: 'dc=corp,dc=example', admin: admin('cn=admin,dc=corp,dc=example'), adminOnlySubtrees: ['ou=dirgate,dc=corp,dc=example'] },
      { suffix: 'o=hr', admin: admin('cn=admin,o=hr') },
    ])), []);
  });

  it('names every problem with its key: bad DNs, an administrator outside its suffix, overlaps, stray subtrees', () => {
    const problems = checkEmbeddedConfig(config([
      { suffix: 'dc=example', admin: admin('cn=admin,o=elsewhere'), adminOnlySubtrees: ['ou=x,o=hr'] },
      { suffix: 'dc=corp,dc=example', admin: admin('cn=admin,dc=corp,dc=example') },
      { suffix: 'not a dn', admin: admin('cn=admin') },
      { suffix: 'o=hr', admin: admin('cn=admin,,o=hr') },
    ]));
    assert.deepEqual(problems, [
      'embedded.suffixes[0].admin.dn: must be within dc=example',
      'embedded.suffixes[0].adminOnlySubtrees[0]: "ou=x,o=hr" must be a DN within dc=example',
      'embedded.suffixes[1].suffix: overlaps embedded.suffixes[0].suffix',
      'embedded.suffixes[2].suffix: "not a dn" is not a distinguished name',
      'embedded.suffixes[3].admin.dn: "cn=admin,,o=hr" is not a distinguished name',
    ]);
  });
});
