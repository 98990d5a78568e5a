/**
 * The attributes every search scenario asks for: the same answer for LDAP, the
 * peer and the gateway. Two of them (title, employeeNumber) live in hr, so a
 * gateway search that misses its cache must join corp with hr; corp entries
 * have none, so plain LDAP and the peer return the same four values.
 */
export const SEARCH_ATTRIBUTES = ['uid', 'cn', 'mail', 'telephoneNumber', 'title', 'employeeNumber'];
