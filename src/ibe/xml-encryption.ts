/**
 * The W3C XML Encryption element that carries an encrypted DSML/SPML payload
 * (DESIGN section 3): an AES-256-GCM EncryptedData whose KeyInfo holds the
 * IBE-wrapped content key. The shape is fixed, so the parser accepts exactly
 * that shape (any namespace prefixes, namespaces checked) and nothing else: no
 * DOCTYPE, no processing instructions, no unknown elements, no entities beyond
 * XML's five.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { DirgateError } from '../errors.js';
import { IBE_SUITE } from './constants.js';

export const XENC_NS = 'http://www.w3.org/2001/04/xmlenc#';
export const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const XENC_ELEMENT_TYPE = 'http://www.w3.org/2001/04/xmlenc#Element';
export const AES256_GCM_ALGORITHM = 'http://www.w3.org/2009/xmlenc11#aes256-gcm';

export interface EncryptedDataParts {
  /** ds:KeyName: the IBE identity the content key is wrapped to. */
  identity: string;
  /** The EncryptedKey's CipherValue: the IBE ciphertext U || V || W. */
  encryptedKey: Buffer;
  /** The outer CipherValue: IV[12] || ciphertext || tag[16]. */
  sealed: Buffer;
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The EncryptedData element as text, with its own namespace declarations (it stands alone in a SOAP Body). */
export function buildEncryptedData(parts: EncryptedDataParts): string {
  return `<xenc:EncryptedData xmlns:xenc="${XENC_NS}" Type="${XENC_ELEMENT_TYPE}">`
    + `<xenc:EncryptionMethod Algorithm="${AES256_GCM_ALGORITHM}"/>`
    + `<ds:KeyInfo xmlns:ds="${DSIG_NS}">`
    + '<xenc:EncryptedKey>'
    + `<xenc:EncryptionMethod Algorithm="${IBE_SUITE}"/>`
    + `<ds:KeyName>${escapeText(parts.identity)}</ds:KeyName>`
    + `<xenc:CipherData><xenc:CipherValue>${parts.encryptedKey.toString('base64')}</xenc:CipherValue></xenc:CipherData>`
    + '</xenc:EncryptedKey>'
    + '</ds:KeyInfo>'
    + `<xenc:CipherData><xenc:CipherValue>${parts.sealed.toString('base64')}</xenc:CipherValue></xenc:CipherData>`
    + '</xenc:EncryptedData>';
}

// The one accepted element sequence, in document order, as paths of namespace|local names.
const ED = `${XENC_NS}|EncryptedData`;
const EM = `${XENC_NS}|EncryptionMethod`;
const KI = `${DSIG_NS}|KeyInfo`;
const EK = `${XENC_NS}|EncryptedKey`;
const KN = `${DSIG_NS}|KeyName`;
const CD = `${XENC_NS}|CipherData`;
const CV = `${XENC_NS}|CipherValue`;
const P = {
  root: ED,
  method: `${ED}/${EM}`,
  keyInfo: `${ED}/${KI}`,
  encryptedKey: `${ED}/${KI}/${EK}`,
  keyMethod: `${ED}/${KI}/${EK}/${EM}`,
  keyName: `${ED}/${KI}/${EK}/${KN}`,
  keyCipherData: `${ED}/${KI}/${EK}/${CD}`,
  keyCipherValue: `${ED}/${KI}/${EK}/${CD}/${CV}`,
  cipherData: `${ED}/${CD}`,
  cipherValue: `${ED}/${CD}/${CV}`,
};
const EXPECTED_SEQUENCE = [
  P.root, P.method, P.keyInfo, P.encryptedKey, P.keyMethod, P.keyName, P.keyCipherData, P.keyCipherValue, P.cipherData, P.cipherValue,
];
const TEXT_PATHS = new Set([P.keyName, P.keyCipherValue, P.cipherValue]);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function malformed(why: string, reason = 'encrypted-data-malformed'): DirgateError {
  return new DirgateError('ERR_MALFORMED_REQUEST', `malformed EncryptedData: ${why}`, { reason });
}

function decodeBase64(text: string, what: string): Buffer {
  const compact = text.replace(/[\s]+/g, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) throw malformed(`${what} is not base64`);
  return Buffer.from(compact, 'base64');
}

function algorithmOf(tag: SaxesTagNS): string | undefined {
  const attr = Object.values(tag.attributes).find((a) => a.local === 'Algorithm' && a.uri === '');
  return attr?.value;
}

/**
 * Reads an EncryptedData element (the element's text, as it stood in the SOAP
 * Body) into its parts. Throws ERR_MALFORMED_REQUEST for anything off the shape
 * and for an algorithm other than AES-256-GCM over dirgate's IBE suite.
 */
export function parseEncryptedData(xml: string): EncryptedDataParts {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: string[] = [];
  const seen: string[] = [];
  const text = new Map<string, string>();
  let failure: DirgateError | undefined;
  const fail = (err: DirgateError) => { failure ??= err; };

  parser.on('doctype', () => fail(malformed('a DOCTYPE is not allowed')));
  parser.on('processinginstruction', () => fail(malformed('processing instructions are not allowed')));
  parser.on('opentag', (tag) => {
    const path = [...stack, `${tag.uri}|${tag.local}`].join('/');
    stack.push(`${tag.uri}|${tag.local}`);
    seen.push(path);
    if (EXPECTED_SEQUENCE[seen.length - 1] !== path) return fail(malformed(`unexpected element ${tag.name}`));
    if (path === P.root) {
      const type = Object.values(tag.attributes).find((a) => a.local === 'Type' && a.uri === '');
      if (type && type.value !== XENC_ELEMENT_TYPE) fail(malformed('Type must be an XML element', 'encrypted-data-type-unsupported'));
    } else if (path === P.method && algorithmOf(tag) !== AES256_GCM_ALGORITHM) {
      fail(malformed('the payload algorithm must be AES-256-GCM', 'encryption-algorithm-unsupported'));
    } else if (path === P.keyMethod && algorithmOf(tag) !== IBE_SUITE) {
      fail(malformed(`the key transport algorithm must be ${IBE_SUITE}`, 'encryption-algorithm-unsupported'));
    }
  });
  const onText = (t: string) => {
    const path = stack.join('/');
    if (TEXT_PATHS.has(path)) text.set(path, (text.get(path) ?? '') + t);
    else if (t.trim() !== '') fail(malformed('unexpected text'));
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => { stack.pop(); });
  try {
    parser.write(xml).close();
  } catch (err) {
    throw new DirgateError('ERR_MALFORMED_REQUEST', 'malformed EncryptedData: not well-formed XML', { reason: 'encrypted-data-malformed', cause: err });
  }
  if (failure) throw failure;
  if (seen.length !== EXPECTED_SEQUENCE.length) throw malformed('elements are missing');
  const identity = (text.get(P.keyName) ?? '').trim();
  if (!identity) throw malformed('KeyName is empty');
  return {
    identity,
    encryptedKey: decodeBase64(text.get(P.keyCipherValue) ?? '', 'the encrypted key'),
    sealed: decodeBase64(text.get(P.cipherValue) ?? '', 'the cipher value'),
  };
}
