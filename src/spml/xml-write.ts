/**
 * Direct string building for responses: escaping, and a small element builder
 * so serializers read as the XML they write. Only characters XML 1.0 allows may
 * go out as text; anything else must travel as base64 (see isXmlSafeText).
 */

export function escapeText(s: string): string {
  return s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

export function escapeAttr(s: string): string {
  return s.replace(/[&<>"\t\n\r]/g, (c) => {
    switch (c) {
      case '&': return '&amp;';
      case '<': return '&lt;';
      case '>': return '&gt;';
      case '"': return '&quot;';
      case '\t': return '&#9;';
      case '\n': return '&#10;';
      default: return '&#13;';
    }
  });
}

// XML 1.0 Char production: tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD, supplementary planes.
// Lone surrogates and U+FFFE/U+FFFF are excluded, as are C0 controls.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** True when the string can be written as XML text without loss. */
export function isXmlSafeText(s: string): boolean {
  return !NOT_XML_CHAR.test(s);
}

export type Attrs = Record<string, string | number | boolean | undefined>;

function renderAttrs(attrs: Attrs | undefined): string {
  if (!attrs) return '';
  let out = '';
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    out += ` ${k}="${escapeAttr(String(v))}"`;
  }
  return out;
}

/** `<name attrs>children</name>`, or self-closing when there are no children. */
export function el(name: string, attrs?: Attrs, ...children: Array<string | undefined | false>): string {
  const body = children.filter((c): c is string => typeof c === 'string' && c.length > 0).join('');
  return body ? `<${name}${renderAttrs(attrs)}>${body}</${name}>` : `<${name}${renderAttrs(attrs)}/>`;
}

/** An element holding text (escaped); empty text gives `<name></name>` so the value is kept. */
export function textEl(name: string, attrs: Attrs | undefined, text: string): string {
  return `<${name}${renderAttrs(attrs)}>${escapeText(text)}</${name}>`;
}
