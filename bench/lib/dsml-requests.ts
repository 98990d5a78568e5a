/**
 * The DSML documents the scenarios send: one equality search by uid in a SOAP
 * 1.1 envelope, as a mobile client sends it, and the login search. Values are
 * generated names (user<i>), escaped all the same.
 */
import { SEARCH_ATTRIBUTES } from './search-attributes.js';

const escapeXml = (s: string): string => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

function envelope(batch: string): string {
  return '<?xml version="1.0" encoding="UTF-8"?>'
    + '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    + batch
    + '</soap:Body></soap:Envelope>';
}

/** A subtree search under `baseDn` for the person whose uid is `uid`, asking for the scenario attributes. */
export function uidSearch(baseDn: string, uid: string, attributes: string[] = SEARCH_ATTRIBUTES): string {
  return envelope(
    '<batchRequest xmlns="urn:oasis:names:tc:DSML:2:0:core" requestID="1">'
      + `<searchRequest requestID="2" dn="${escapeXml(baseDn)}" scope="wholeSubtree" derefAliases="neverDerefAliases" sizeLimit="10">`
      + `<filter><equalityMatch name="uid"><value>${escapeXml(uid)}</value></equalityMatch></filter>`
      + `<attributes>${attributes.map((a) => `<attribute name="${escapeXml(a)}"/>`).join('')}</attributes>`
      + '</searchRequest></batchRequest>',
  );
}

/** The login: a base search of ou=sessions,o=gateway with the user's name and password in Basic. */
export function loginSearch(): string {
  return envelope(
    '<batchRequest xmlns="urn:oasis:names:tc:DSML:2:0:core" requestID="1">'
      + '<searchRequest requestID="2" dn="ou=sessions,o=gateway" scope="baseObject" derefAliases="neverDerefAliases">'
      + '<filter><present name="objectClass"/></filter>'
      + '</searchRequest></batchRequest>',
  );
}

/** A one-entry DSML answer that succeeded: an entry, result code 0, no errorResponse. */
export function isOneEntryAnswer(body: string): boolean {
  return body.includes('searchResultEntry') && body.includes('code="0"') && !body.includes('errorResponse');
}

export function basic(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`;
}
