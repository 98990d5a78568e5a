/**
 * The OpenToken payload: UTF-8 lines of `key=value`, a key repeated for each
 * of its values, values that hold white space or quotes written as a quoted
 * string in which `"` and `'` are escaped with a backslash (draft section 3).
 * Parsing follows the state machine PingFederate's agents use: white space
 * around the key and the `=` is ignored; a quoted value may span lines.
 */

/** Keys in order of first appearance, each with its values in order. */
export type OpenTokenPairs = Map<string, string[]>;

const KEY = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const NEEDS_QUOTES = /[\s'"\\]/;

function quote(value: string): string {
  // The format has escapes for quotes only: a backslash right before a quote,
  // or at the end, would read back differently, so it cannot be written.
  if (/\\(['"]|$)/.test(value)) throw new TypeError('an OpenToken value cannot hold a backslash before a quote or at its end');
  return `"${value.replace(/(["'])/g, '\\$1')}"`;
}

export function serializePayload(pairs: OpenTokenPairs): string {
  const lines: string[] = [];
  for (const [key, values] of pairs) {
    if (!KEY.test(key)) throw new TypeError(`not a valid OpenToken key: ${JSON.stringify(key)}`);
    for (const value of values) {
      lines.push(`${key}=${value === '' || NEEDS_QUOTES.test(value) ? quote(value) : value}`);
    }
  }
  return lines.join('\n');
}

function add(pairs: OpenTokenPairs, key: string, value: string): void {
  const list = pairs.get(key);
  if (list) list.push(value);
  else pairs.set(key, [value]);
}

/** Parses a payload; throws on anything that is not well-formed (an unterminated quote, a line without `=`). */
export function parsePayload(text: string): OpenTokenPairs {
  const pairs: OpenTokenPairs = new Map();
  let i = 0;
  const n = text.length;
  const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r';
  while (i < n) {
    while (i < n && (isSpace(text[i]) || text[i] === '\n')) i++;
    if (i >= n) break;
    const eq = text.indexOf('=', i);
    const nl = text.indexOf('\n', i);
    if (eq < 0 || (nl >= 0 && nl < eq)) throw new SyntaxError('an OpenToken line without "="');
    const key = text.slice(i, eq).trim();
    if (!KEY.test(key)) throw new SyntaxError('an OpenToken key that is not valid');
    i = eq + 1;
    while (i < n && isSpace(text[i])) i++;
    const open = text[i];
    if (open === '"' || open === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= n) throw new SyntaxError('an unterminated quoted OpenToken value');
        const c = text[i]!;
        if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === "'")) {
          value += text[i + 1];
          i += 2;
        } else if (c === open) {
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
      while (i < n && isSpace(text[i])) i++;
      if (i < n && text[i] !== '\n') throw new SyntaxError('text after a quoted OpenToken value');
      add(pairs, key, value);
    } else {
      const end = text.indexOf('\n', i);
      const value = text.slice(i, end < 0 ? n : end).trim();
      i = end < 0 ? n : end;
      add(pairs, key, value);
    }
  }
  return pairs;
}

/** Builds pairs from a record; arrays become repeated keys. */
export function pairsFrom(record: Record<string, string | string[] | undefined>): OpenTokenPairs {
  const pairs: OpenTokenPairs = new Map();
  for (const [k, v] of Object.entries(record)) {
    if (v === undefined) continue;
    pairs.set(k, Array.isArray(v) ? [...v] : [v]);
  }
  return pairs;
}
