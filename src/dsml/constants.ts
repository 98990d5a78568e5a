/** Namespaces and OIDs the DSML front speaks, in one place. */

export const DSML_NS = 'urn:oasis:names:tc:DSML:2:0:core';
export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
/** Microsoft's DSML session extension ([MS-DSML]): BeginSession, Session, EndSession headers. */
export const MS_DSML_NS = 'urn:schema-microsoft-com:activedirectory:dsmlv2';
export const XSD_NS = 'http://www.w3.org/2001/XMLSchema';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** RFC 2696 simple paged results control. */
export const PAGED_RESULTS_OID = '1.2.840.113556.1.4.319';

export type SoapVersion = '1.1' | '1.2';

/** Content types answered for each form of the request. */
export const CONTENT_TYPE = {
  soap11: 'text/xml; charset=utf-8',
  soap12: 'application/soap+xml; charset=utf-8',
  bare: 'text/xml; charset=utf-8',
} as const;
