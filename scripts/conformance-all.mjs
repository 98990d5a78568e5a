#!/usr/bin/env node
// The conformance step: DSML and SPML answers validated against the OASIS
// schemas in the folder given (CI passes ../shared/oasis; point it at your own
// copy of the schemas). Usage: npm run conformance -- <oasis-dir>
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = process.argv[2] ?? process.env.DIRGATE_OASIS_DIR;
if (!dir) {
  console.error('usage: npm run conformance -- <folder with dsmlv2.xsd and the pstc_spmlv2_*.xsd schemas>');
  process.exit(2);
}
for (const script of ['conformance.mjs', 'spml-conformance.mjs']) {
  const r = spawnSync(process.execPath, [path.join(here, script), path.resolve(dir)], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
