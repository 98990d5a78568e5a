#!/usr/bin/env node
// Renders docs/configuration.md from the JSON Schemas under schemas/: every key
// with its type, default and description. A unit test fails when the file is
// out of date, so the reference never drifts from what start-up validates.
//   node scripts/config-reference.mjs            # rewrite docs/configuration.md
//   node scripts/config-reference.mjs --check    # exit 1 when it is stale
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const load = (rel) => JSON.parse(readFileSync(path.join(root, 'schemas', rel), 'utf8'));

function typeOf(s) {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.oneOf) return s.oneOf.map(typeOf).join(' or ');
  if (s.type === 'array' && s.items) return `array of ${s.items.properties ? 'objects' : typeOf(s.items)}`;
  return s.type ?? (s.$ref ? 'object' : 'any');
}

function cell(text) {
  return String(text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function walk(schema, prefix, defs, rows) {
  const resolve = (s) => (s.$ref?.startsWith('#/definitions/') ? { ...defs[s.$ref.slice(14)], ...s, $ref: undefined } : s);
  schema = resolve(schema);
  const props = schema.properties ?? (schema.type === 'array' ? resolve(schema.items ?? {}).properties : undefined);
  const required = new Set(schema.required ?? (schema.type === 'array' ? resolve(schema.items ?? {}).required : []) ?? []);
  if (!props) return;
  for (const [key, raw] of Object.entries(props)) {
    const s = resolve(raw);
    const name = `${prefix}${schema.type === 'array' ? '[].' : '.'}${key}`.replace(/^\./, '');
    rows.push(`| \`${name}\` | ${cell(typeOf(s))} | ${required.has(key) ? 'yes' : ''} | ${s.default === undefined ? '' : `\`${cell(JSON.stringify(s.default))}\``} | ${cell(s.description)} |`);
    if (s.properties || (s.type === 'array' && resolve(s.items ?? {}).properties)) walk(s, name, defs, rows);
  }
}

export function render() {
  const main = load('config.schema.json');
  let out = '# Configuration reference\n\nGenerated from `schemas/` by `node scripts/config-reference.mjs`; a test keeps it in step. One file, JSON or YAML (`--config FILE` or `DIRGATE_CONFIG`), validated once at start-up: every problem is listed with its key, and the process exits with code 2. Relative file paths are resolved against the configuration file\'s folder. Unknown keys are errors.\n';
  for (const [section, ref] of Object.entries(main.properties)) {
    const sub = ref.$ref ? load(ref.$ref) : ref;
    out += `\n## \`${section}\`${(main.required ?? []).includes(section) ? ' (required)' : ''}\n\n${cell(sub.description ?? ref.description ?? '')}\n\n`;
    const rows = [];
    walk(sub, section, sub.definitions ?? {}, rows);
    if (rows.length) out += `| key | type | required | default | meaning |\n|---|---|---|---|---|\n${rows.join('\n')}\n`;
    else out += `Type: ${typeOf(sub)}${ref.default !== undefined ? `, default \`${JSON.stringify(ref.default)}\`` : ''}.\n`;
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const file = path.join(root, 'docs', 'configuration.md');
  const text = render();
  if (process.argv.includes('--check')) {
    let current = '';
    try { current = readFileSync(file, 'utf8'); } catch { /* missing counts as stale */ }
    if (current !== text) {
      console.error('docs/configuration.md is out of date: run node scripts/config-reference.mjs');
      process.exit(1);
    }
  } else {
    writeFileSync(file, text);
  }
}
