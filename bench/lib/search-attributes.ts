/** The attributes every search scenario asks for: the same answer size for LDAP, the peer and the gateway. */
export const SEARCH_ATTRIBUTES = ['uid', 'cn', 'mail', 'telephoneNumber'];
