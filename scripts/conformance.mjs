#!/usr/bin/env node
/**
 * Validates DSMLv2 messages against the OASIS schema with xmllint.
 *
 *   node scripts/conformance.mjs [schema-dir] [file-or-dir ...]
 *
 * schema-dir holds dsmlv2.xsd and soap11-dsml-envelope.xsd (default:
 * $DIRGATE_OASIS_DIR, else ../shared/oasis beside the repository). With files
 * or folders, each .xml file is validated: a bare batchRequest/batchResponse
 * against dsmlv2.xsd, a SOAP 1.1 envelope against soap11-dsml-envelope.xsd, a
 * SOAP 1.2 envelope against the same envelope rules for the SOAP 1.2 namespace
 * (a schema generated here), a SOAP Fault for well-formedness only. Without
 * files, the suites under test/conformance (schema validation) and test/dsml
 * (peer clients reading dirgate's answers) run with mocha, with
 * DIRGATE_OASIS_DIR set to schema-dir.
 *
 * Needs xmllint (Debian: libxml2-utils); test/dsml also needs a JDK and
 * libapache-directory-api-java libantlr-java. Exit status 0 when everything passes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..');

const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';

/** The OASIS schema folder: an explicit path, $DIRGATE_OASIS_DIR, or ../shared/oasis beside the repository. */
export function oasisDir(explicit) {
  return path.resolve(explicit ?? process.env.DIRGATE_OASIS_DIR ?? path.join(REPO_ROOT, '..', 'shared', 'oasis'));
}

export function checkTools(schemaDir) {
  const problems = [];
  if (spawnSync('xmllint', ['--version']).error) problems.push('xmllint is not installed (Debian: apt-get install libxml2-utils)');
  for (const f of ['dsmlv2.xsd', 'soap11-dsml-envelope.xsd']) {
    if (!existsSync(path.join(schemaDir, f))) problems.push(`${path.join(schemaDir, f)} is missing`);
  }
  return problems;
}

/** Which schema a document answers to, from its document element. */
export function classify(xml) {
  const m = /<(?:([A-Za-z_][\w.-]*):)?([A-Za-z_][\w.-]*)[\s>/]/.exec(xml.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->/g, ''));
  if (!m) return 'unknown';
  const [, prefix, local] = m;
  if (local === 'batchRequest' || local === 'batchResponse') return 'bare';
  if (local !== 'Envelope') return 'unknown';
  const decl = new RegExp(`xmlns${prefix ? `:${prefix}` : ''}\\s*=\\s*["']([^"']+)["']`).exec(xml);
  const ns = decl?.[1];
  if (/<(?:[\w.-]+:)?Fault[\s>/]/.test(xml)) return 'fault';
  return ns === SOAP11 ? 'soap11' : ns === SOAP12 ? 'soap12' : 'unknown';
}

/** The SOAP 1.2 twin of the local SOAP 1.1 helper schema, importing dsmlv2.xsd by absolute path. */
function soap12Schema(schemaDir, tmp) {
  const source = readFileSync(path.join(schemaDir, 'soap11-dsml-envelope.xsd'), 'utf8')
    .replaceAll(SOAP11, SOAP12)
    .replace(/schemaLocation="dsmlv2\.xsd"/, `schemaLocation="${pathToFileURL(path.join(schemaDir, 'dsmlv2.xsd')).href}"`);
  const file = path.join(tmp, 'soap12-dsml-envelope.xsd');
  writeFileSync(file, source);
  return file;
}

/**
 * Validates files; returns one result per file: { file, kind, ok, errors }.
 * Files of one kind go to one xmllint run.
 */
export function validateFiles(schemaDir, files) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dirgate-xsd-'));
  try {
    const schemas = {
      bare: path.join(schemaDir, 'dsmlv2.xsd'),
      soap11: path.join(schemaDir, 'soap11-dsml-envelope.xsd'),
      soap12: soap12Schema(schemaDir, tmp),
      fault: undefined,
    };
    const groups = new Map();
    const results = [];
    for (const file of files) {
      const kind = classify(readFileSync(file, 'utf8'));
      if (kind === 'unknown') {
        results.push({ file, kind, ok: false, errors: ['not a DSML request or response, nor a SOAP envelope'] });
        continue;
      }
      if (!groups.has(kind)) groups.set(kind, []);
      groups.get(kind).push(file);
    }
    for (const [kind, group] of groups) {
      const args = ['--noout', ...(schemas[kind] ? ['--schema', schemas[kind]] : []), ...group];
      let stderr = '';
      try {
        execFileSync('xmllint', args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
      } catch (err) {
        stderr = String(err.stderr ?? err.message);
      }
      for (const file of group) {
        const errors = stderr.split('\n').filter((l) => l.startsWith(`${file}:`) || l.startsWith(`${file} fails`));
        results.push({ file, kind, ok: errors.length === 0, errors });
      }
    }
    return results;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function xmlFilesUnder(target) {
  if (statSync(target).isDirectory()) {
    return readdirSync(target).sort().flatMap((n) => xmlFilesUnder(path.join(target, n)));
  }
  return target.endsWith('.xml') ? [target] : [];
}

function main(argv) {
  const [schemaArg, ...targets] = argv;
  const schemaDir = oasisDir(schemaArg);
  const problems = checkTools(schemaDir);
  if (problems.length) {
    for (const p of problems) console.error(`conformance: ${p}`);
    return 2;
  }
  if (targets.length === 0) {
    const mochaBin = path.join(REPO_ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
    const args = ['--import', 'tsx', mochaBin, '--no-config', '--timeout', '60000', '--exit', '--forbid-only', '--forbid-pending', 'test/conformance/**/*.test.ts', 'test/dsml/**/*.test.ts'];
    const mocha = spawnSync(process.execPath, args, {
      cwd: REPO_ROOT,
      stdio: 'inherit',
      env: { ...process.env, DIRGATE_OASIS_DIR: schemaDir },
    });
    return mocha.status ?? 1;
  }
  const files = targets.flatMap((t) => xmlFilesUnder(path.resolve(t)));
  if (files.length === 0) {
    console.error('conformance: no .xml files found');
    return 2;
  }
  const results = validateFiles(schemaDir, files);
  let failed = 0;
  for (const r of results) {
    if (r.ok) console.log(`ok    ${r.kind.padEnd(6)} ${path.relative(process.cwd(), r.file)}`);
    else {
      failed++;
      console.log(`FAIL  ${r.kind.padEnd(6)} ${path.relative(process.cwd(), r.file)}`);
      for (const e of r.errors) console.log(`      ${e}`);
    }
  }
  console.log(`\n${results.length - failed} of ${results.length} valid`);
  return failed ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
