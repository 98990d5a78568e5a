/** LDAP sources: what the rest of dirgate imports. */
export { createLdapSource, type LdapSourceConfig, type LdapSourceOptions } from './ldap-source.js';
export type { LdapSource, SourceHealth, SourceOperationOptions } from './types.js';
export { SOURCE_REASON } from './map-error.js';
export { DEFAULT_BINARY_ATTRIBUTES } from './values.js';
