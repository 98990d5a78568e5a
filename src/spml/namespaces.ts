/**
 * The namespace URIs SPMLv2 speaks, and the prefixes dirgate writes them with.
 * Elements are matched by URI, never by prefix.
 */

export const NS = {
  soap: 'http://schemas.xmlsoap.org/soap/envelope/',
  spml: 'urn:oasis:names:tc:SPML:2:0',
  search: 'urn:oasis:names:tc:SPML:2:0:search',
  password: 'urn:oasis:names:tc:SPML:2:0:password',
  suspend: 'urn:oasis:names:tc:SPML:2:0:suspend',
  batch: 'urn:oasis:names:tc:SPML:2:0:batch',
  async: 'urn:oasis:names:tc:SPML:2:0:async',
  bulk: 'urn:oasis:names:tc:SPML:2:0:bulk',
  updates: 'urn:oasis:names:tc:SPML:2:0:updates',
  reference: 'urn:oasis:names:tc:SPML:2:0:reference',
  /** The DSMLv2 profile (its schema elements, and the profile URI of a target). */
  spmldsml: 'urn:oasis:names:tc:SPML:2:0:DSML',
  /** DSMLv2 core: the profile's payload (`attr`, `modification`, `filter`). */
  dsml: 'urn:oasis:names:tc:DSML:2:0:core',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xsd: 'http://www.w3.org/2001/XMLSchema',
} as const;

export type NamespaceKey = keyof typeof NS;

/** The profile URI peers also write in lower case; dirgate accepts both and writes the OASIS one. */
export const PROFILE_URIS: ReadonlySet<string> = new Set([NS.spmldsml, 'urn:oasis:names:tc:SPML:2:0:dsml']);

/** Namespaces a request element may be in: core and every capability. */
export const SPML_NAMESPACES: ReadonlySet<string> = new Set([
  NS.spml, NS.search, NS.password, NS.suspend, NS.batch, NS.async, NS.bulk, NS.updates, NS.reference,
]);

/** Namespaces whose elements carry DSML-profile data (attr, modification, filter, attributes). */
export function isDsmlPayloadNamespace(uri: string): boolean {
  return uri === NS.dsml || PROFILE_URIS.has(uri);
}

/** The prefix dirgate writes for each namespace. */
export const PREFIX: Record<NamespaceKey, string> = {
  soap: 'soap',
  spml: 'spml',
  search: 'spmlsearch',
  password: 'spmlpass',
  suspend: 'spmlsuspend',
  batch: 'spmlbatch',
  async: 'spmlasync',
  bulk: 'spmlbulk',
  updates: 'spmlupdates',
  reference: 'spmlref',
  spmldsml: 'spmldsml',
  dsml: 'dsml',
  xsi: 'xsi',
  xsd: 'xsd',
};

/** Capability namespaces as listTargets advertises them. */
export const CAPABILITY_URIS = {
  search: NS.search,
  password: NS.password,
  suspend: NS.suspend,
  batch: NS.batch,
  async: NS.async,
} as const;
export type CapabilityName = keyof typeof CAPABILITY_URIS;
