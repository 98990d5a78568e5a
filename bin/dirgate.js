#!/usr/bin/env node
// The package's bin: runs the compiled CLI (npm run build first).
import('../dist/src/cli.js').then((m) => m.main(process.argv)).catch((err) => {
  process.stderr.write(`dirgate: ${err && err.message ? err.message : err}\n`);
  process.exit(1);
});
