/**
 * LDIF content records (RFC 2849) for seeding the embedded directory: comments,
 * folded lines, base64 (`::`) values, `version: 1`, and `changetype: add`.
 * Other change types and URL values (`:<`) are refused: a seed file is data.
 */
import { DirgateError } from '../../errors.js';
import type { Attribute, Entry, Value } from '../model.js';
import { describeAttribute, toStoredValue } from './values.js';

interface Line { text: string; number: number }

function syntaxError(source: string, line: number, why: string): DirgateError {
  return new DirgateError('ERR_CONFIG_INVALID', `${source} line ${line}: ${why}`, { reason: 'ldif-syntax' });
}

/** Joins folded lines and drops comments; a blank line ends a record. */
function logicalLines(text: string): Array<Line | null> {
  const out: Array<Line | null> = [];
  let inComment = false;
  const physical = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  physical.forEach((raw, index) => {
    const number = index + 1;
    if (raw.startsWith(' ')) {
      if (inComment) return;
      const last = out[out.length - 1];
      if (!last) throw syntaxError('LDIF', number, 'a continuation line must follow a line');
      last.text += raw.slice(1);
      return;
    }
    inComment = raw.startsWith('#');
    if (inComment) return;
    if (raw.trim() === '') {
      if (out.length && out[out.length - 1] !== null) out.push(null);
      return;
    }
    out.push({ text: raw, number });
  });
  return out;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function splitLine(line: Line, source: string): { type: string; value: Value } {
  const colon = line.text.indexOf(':');
  if (colon <= 0) throw syntaxError(source, line.number, 'expected "type: value"');
  const type = line.text.slice(0, colon);
  if (!/^[A-Za-z0-9][A-Za-z0-9;.-]*$/.test(type)) throw syntaxError(source, line.number, `"${type}" is not an attribute description`);
  const rest = line.text.slice(colon + 1);
  if (rest.startsWith(':')) {
    const b64 = rest.slice(1).trim();
    if (!BASE64.test(b64) || b64.length % 4 !== 0) throw syntaxError(source, line.number, `${type}: invalid base64 value`);
    return { type, value: Buffer.from(b64, 'base64') };
  }
  if (rest.startsWith('<')) throw syntaxError(source, line.number, `${type}: URL values are not supported in seed LDIF`);
  return { type, value: rest.replace(/^ +/, '') };
}

/** Parses LDIF text into entries, in file order. `source` names the file in errors. */
export function parseLdif(text: string, source = 'LDIF'): Entry[] {
  const entries: Entry[] = [];
  let record: Line[] = [];
  const flush = () => {
    if (record.length) entries.push(toEntry(record, source));
    record = [];
  };
  let first = true;
  for (const line of logicalLines(text)) {
    if (line === null) { flush(); continue; }
    if (first && /^version:/i.test(line.text)) {
      if (line.text.replace(/^version:\s*/i, '') !== '1') throw syntaxError(source, line.number, 'only LDIF version 1 is supported');
      first = false;
      continue;
    }
    first = false;
    record.push(line);
  }
  flush();
  return entries;
}

function toEntry(lines: Line[], source: string): Entry {
  const [head, ...rest] = lines;
  const dnLine = splitLine(head!, source);
  if (dnLine.type.toLowerCase() !== 'dn') throw syntaxError(source, head!.number, 'a record must start with "dn:"');
  const dn = typeof dnLine.value === 'string' ? dnLine.value : dnLine.value.toString('utf8');
  const byKey = new Map<string, Attribute>();
  const attributes: Attribute[] = [];
  for (const line of rest) {
    const { type: description, value } = splitLine(line, source);
    const lower = description.toLowerCase();
    if (lower === 'changetype') {
      if (String(value).trim().toLowerCase() !== 'add') throw syntaxError(source, line.number, `changetype "${String(value)}" is not supported in seed LDIF`);
      continue;
    }
    if (lower === 'control') throw syntaxError(source, line.number, 'controls are not supported in seed LDIF');
    const { type, key, binaryOption } = describeAttribute(description);
    let attr = byKey.get(key);
    if (!attr) {
      attr = { type, values: [] };
      byKey.set(key, attr);
      attributes.push(attr);
    }
    attr.values.push(toStoredValue(key, value, binaryOption));
  }
  return { dn, attributes };
}
