#!/usr/bin/env node
// Validates dirgate's SPML responses against the OASIS SPMLv2 schemas.
// Usage: node scripts/spml-conformance.mjs <oasis-dir>
// <oasis-dir> holds pstc_spmlv2_*.xsd, dsmlv2.xsd and spmlv2-all.xsd (the
// project's shared/oasis folder). Needs xmllint (Debian: libxml2-utils) and
// slapd. Runs mocha on test/spml with DIRGATE_OASIS_DIR set.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = process.argv[2] ? path.resolve(process.argv[2]) : undefined;
if (!dir) {
  console.error('usage: node scripts/spml-conformance.mjs <oasis-dir>');
  process.exit(2);
}
for (const f of ['pstc_spmlv2_core.xsd', 'pstc_spmlv2_dsml.xsd', 'dsmlv2.xsd', 'spmlv2-all.xsd']) {
  if (!existsSync(path.join(dir, f))) {
    console.error(`${dir} has no ${f}`);
    process.exit(2);
  }
}
if (spawnSync('xmllint', ['--version']).error) {
  console.error('xmllint is missing (Debian: apt-get install libxml2-utils)');
  process.exit(2);
}
const mocha = path.join(root, 'node_modules', '.bin', 'mocha');
const result = spawnSync(mocha, ['--no-config', '--import=tsx', '--timeout', '60000', '--forbid-only', '--forbid-pending', '--exit', 'test/spml/**/*.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, DIRGATE_OASIS_DIR: dir },
});
process.exit(result.status ?? 1);
