/**
 * Model requests as ldapts request messages, one per operation, numbered on
 * the connection they will be sent on. Nothing here talks to a server.
 */
import {
  AddRequest as LdapAddRequest, Ber, BindRequest as LdapBindRequest, Change, CompareRequest as LdapCompareRequest, DeleteRequest as LdapDeleteRequest,
  ExtendedRequest as LdapExtendedRequest, ModifyDNRequest as LdapModifyDNRequest, ModifyRequest as LdapModifyRequest,
  SearchRequest as LdapSearchRequest, type BerWriter, type Filter as LdapFilter,
} from 'ldapts';
import { DirgateError } from '../../errors.js';
import type {
  AddRequest, CompareRequest, DeleteRequest, DerefAliases, ExtendedRequest, ModifyDNRequest, ModifyRequest, SearchRequest,
} from '../model.js';
import { toLdapControls } from './controls.js';
import { toLdapFilter } from './filter.js';
import { toLdapAttribute, toOctets } from './values.js';

const DEREF: Record<DerefAliases, 'never' | 'search' | 'find' | 'always'> = {
  never: 'never', searching: 'search', finding: 'find', always: 'always',
};
const MAX_INT = 2 ** 31 - 1;

function limit(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_INT) {
    throw new DirgateError('ERR_MALFORMED_REQUEST', `${what} must be an integer from 0 to ${MAX_INT}`, { reason: 'invalid-limit' });
  }
  return value;
}

/** A search checked and converted once, then numbered for each attempt. */
export interface PreparedSearch {
  build(messageId: number): LdapSearchRequest;
}

export function prepareSearch(req: SearchRequest, explicitBufferAttributes: string[]): PreparedSearch {
  const filter: LdapFilter = toLdapFilter(req.filter);
  const sizeLimit = limit(req.sizeLimit, 'sizeLimit');
  const timeLimit = limit(req.timeLimit, 'timeLimit');
  toLdapControls(req.controls); // checks the OIDs before any connection is used
  return {
    build: (messageId) => new LdapSearchRequest({
      messageId,
      baseDN: req.baseDN,
      scope: req.scope,
      derefAliases: DEREF[req.derefAliases],
      sizeLimit,
      timeLimit,
      returnAttributeValues: !req.typesOnly,
      filter,
      attributes: [...req.attributes],
      explicitBufferAttributes,
      // Fresh controls each time: ldapts parses a response control into the request control of the same OID.
      controls: toLdapControls(req.controls),
    }),
  };
}

/** A simple bind (RFC 4511 section 4.2) with a user's DN and password. */
export function simpleBindMessage(dn: string, password: string, messageId: number): LdapBindRequest {
  return new LdapBindRequest({ messageId, dn, password });
}

export function addMessage(req: AddRequest, messageId: number): LdapAddRequest {
  return new LdapAddRequest({ messageId, dn: req.dn, attributes: req.attributes.map(toLdapAttribute), controls: toLdapControls(req.controls) });
}

export function modifyMessage(req: ModifyRequest, messageId: number): LdapModifyRequest {
  return new LdapModifyRequest({
    messageId,
    dn: req.dn,
    changes: req.changes.map((c) => new Change({ operation: c.operation, modification: toLdapAttribute(c.attribute) })),
    controls: toLdapControls(req.controls),
  });
}

export function deleteMessage(req: DeleteRequest, messageId: number): LdapDeleteRequest {
  return new LdapDeleteRequest({ messageId, dn: req.dn, controls: toLdapControls(req.controls) });
}

export function modifyDNMessage(req: ModifyDNRequest, messageId: number): LdapModifyDNRequest {
  return new LdapModifyDNRequest({
    messageId,
    dn: req.dn,
    newRdn: req.newRDN,
    deleteOldRdn: req.deleteOldRDN,
    newSuperior: req.newSuperior,
    controls: toLdapControls(req.controls),
  });
}

/** ldapts writes the assertion value as text; this writes its bytes. */
class OctetCompareRequest extends LdapCompareRequest {
  constructor(messageId: number, dn: string, attribute: string, private readonly octets: Buffer, controls: ReturnType<typeof toLdapControls>) {
    super({ messageId, dn, attribute, controls });
  }

  override writeMessage(writer: BerWriter): void {
    writer.writeString(this.dn);
    writer.startSequence();
    writer.writeString(this.attribute);
    writer.writeBuffer(this.octets, Ber.OctetString);
    writer.endSequence();
  }
}

export function compareMessage(req: CompareRequest, messageId: number): LdapCompareRequest {
  return new OctetCompareRequest(messageId, req.dn, req.attribute, toOctets(req.value), toLdapControls(req.controls));
}

export const START_TLS_OID = '1.3.6.1.4.1.1466.20037';
export const WHO_AM_I_OID = '1.3.6.1.4.1.4203.1.11.3';

export function extendedMessage(req: ExtendedRequest, messageId: number): LdapExtendedRequest {
  if (!/^\d+(?:\.\d+)+$/.test(req.oid)) {
    throw new DirgateError('ERR_MALFORMED_REQUEST', 'invalid extended operation name', { reason: 'invalid-extended-oid' });
  }
  if (req.oid === START_TLS_OID) {
    // The pooled connection is the source's, not the client's: its security is set by configuration.
    throw new DirgateError('ERR_UNSUPPORTED_OPERATION', 'StartTLS is not passed through to a source', { reason: 'starttls-not-passed-through' });
  }
  return new LdapExtendedRequest({ messageId, oid: req.oid, value: req.value, controls: toLdapControls(req.controls) });
}
