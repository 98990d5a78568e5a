/**
 * Turns a request body into text: the byte-order mark, then the Content-Type
 * charset, then the XML declaration's encoding decide; UTF-8 otherwise. Bytes
 * that are not valid in the chosen encoding end the request as malformed XML.
 */
import { DirgateError } from '../../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf16le = new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true });
const utf16be = new TextDecoder('utf-16be', { fatal: true, ignoreBOM: true });

function normalize(label: string): string | undefined {
  switch (label.trim().toLowerCase().replace(/^"|"$/g, '')) {
    case 'utf-8': case 'utf8': return 'utf-8';
    case 'us-ascii': case 'ascii': return 'us-ascii';
    case 'iso-8859-1': case 'latin1': case 'iso_8859-1': return 'iso-8859-1';
    case 'utf-16': return 'utf-16';
    case 'utf-16le': return 'utf-16le';
    case 'utf-16be': return 'utf-16be';
    default: return undefined;
  }
}

function unsupported(): DirgateError {
  return new DirgateError('ERR_MALFORMED_XML', 'the request uses a character encoding that is not supported', { reason: 'xml-encoding-unsupported' });
}

export function charsetOf(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const m = /;\s*charset\s*=\s*("[^"]*"|[^;\s]+)/i.exec(contentType);
  return m ? m[1] : undefined;
}

export function decodeBody(body: Buffer, contentType?: string): string {
  try {
    if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return utf8.decode(body.subarray(3));
    if (body.length >= 2 && body[0] === 0xff && body[1] === 0xfe) return utf16le.decode(body.subarray(2));
    if (body.length >= 2 && body[0] === 0xfe && body[1] === 0xff) return utf16be.decode(body.subarray(2));
    let label: string | undefined;
    const charset = charsetOf(contentType);
    if (charset !== undefined) {
      label = normalize(charset);
      if (!label) throw unsupported();
    } else if (body.length > 5 && body[0] === 0x3c && body[1] === 0x3f) {
      const head = body.subarray(0, Math.min(body.length, 200)).toString('latin1');
      const m = /^<\?xml[^>]*?\sencoding\s*=\s*["']([^"']+)["']/.exec(head);
      if (m) {
        label = normalize(m[1]);
        if (!label) throw unsupported();
      }
    }
    switch (label) {
      case undefined: case 'utf-8': return utf8.decode(body);
      case 'us-ascii':
        if (body.some((b) => b > 0x7f)) throw new DirgateError('ERR_MALFORMED_XML', 'the request is not valid US-ASCII', { reason: 'xml-encoding-invalid' });
        return body.toString('latin1');
      case 'iso-8859-1': return body.toString('latin1');
      case 'utf-16le': return utf16le.decode(body);
      case 'utf-16be': return utf16be.decode(body);
      default: throw unsupported(); // UTF-16 without a byte-order mark
    }
  } catch (err) {
    if (err instanceof DirgateError) throw err;
    throw new DirgateError('ERR_MALFORMED_XML', 'the request is not valid in its character encoding', { reason: 'xml-encoding-invalid', cause: err });
  }
}
