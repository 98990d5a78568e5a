import assert from 'node:assert/strict';
import {
  BusyError, InsufficientAccessError, InvalidCredentialsError, MessageParserError, NoSuchObjectError, StatusCodeParser,
  UnavailableError, UnknownStatusCodeError,
} from 'ldapts';
import { DirgateError, LDAP_RESULT } from '../../../src/errors.js';
import {
  ConnectionClosedError, failureVerdict, mapSourceError, SourceTimeoutError, type SourcePhase,
} from '../../../src/directory/sources/map-error.js';

const map = (err: unknown, phase: SourcePhase = 'operation', matchedDN?: string) => mapSourceError(err, { source: 'corp', phase, matchedDN });
const systemError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('mapping ldapts failures to DirgateError', () => {
  it('maps a wrong password to ERR_AUTHENTICATION_FAILED, never to couldNotConnect', () => {
    for (const phase of ['user-bind', 'operation'] as const) {
      const err = map(new InvalidCredentialsError('80090308: LdapErr: DSID-0C09042A'), phase);
      assert.equal(err.code, 'ERR_AUTHENTICATION_FAILED');
      assert.equal(err.spec.dsml, 'authenticationFailed');
      assert.notEqual(err.spec.dsml, 'couldNotConnect');
    }
  });

  it('maps a refused service bind to an internal error, not to the user\'s authentication failure', () => {
    const err = map(new InvalidCredentialsError('bad'), 'service-bind');
    assert.equal(err.code, 'ERR_INTERNAL');
    assert.equal(err.reason, 'source-service-bind-rejected');
  });

  it('keeps the LDAP result code and matched DN, and none of the server\'s diagnostic text', () => {
    const err = map(new NoSuchObjectError('no entry at ldap-internal-7.corp:389 (mdb)'), 'operation', 'dc=corp,dc=example');
    assert.equal(err.code, 'ERR_NO_SUCH_OBJECT');
    assert.equal(err.ldapCode, 32);
    assert.equal(err.matchedDN, 'dc=corp,dc=example');
    assert.doesNotMatch(err.message, /ldap-internal|mdb/);
    assert.doesNotMatch(err.publicMessage, /ldap-internal|mdb/);
    assert.ok(err.cause instanceof NoSuchObjectError, 'the original stays available for logs');
    assert.equal(map(new InsufficientAccessError('x')).code, 'ERR_INSUFFICIENT_ACCESS');
  });

  it('keeps every LDAP result code on the error, whatever registry code it maps to', () => {
    const notErrors = new Set<number>([LDAP_RESULT.success, LDAP_RESULT.compareFalse, LDAP_RESULT.compareTrue]);
    for (const code of [...Object.values(LDAP_RESULT), 118, 4096]) {
      if (notErrors.has(code)) continue;
      const err = map(StatusCodeParser.parse({ status: code, errorMessage: 'diagnostic' } as never));
      assert.ok(err instanceof DirgateError);
      assert.equal(err.ldapCode, code, `result ${code} -> ${err.code}`);
    }
    const unknown = map(new UnknownStatusCodeError(118, 'canceled'));
    assert.equal(unknown.code, 'ERR_INTERNAL');
    assert.equal(unknown.reason, 'ldap-result-118');
  });

  it('maps busy and unavailable answers to source failures that move on to another replica', () => {
    const busy = map(new BusyError('x'));
    assert.equal(busy.code, 'ERR_BUSY');
    assert.equal(busy.reason, 'source-busy');
    const unavailable = map(new UnavailableError('x'));
    assert.equal(unavailable.code, 'ERR_COULD_NOT_CONNECT');
    assert.equal(unavailable.ldapCode, 52);
    assert.equal(failureVerdict(busy).replicaDown, true);
    assert.equal(failureVerdict(unavailable).notPerformed, true);
  });

  it('maps refused, reset and unreachable connections to ERR_COULD_NOT_CONNECT without naming the host to clients', () => {
    for (const code of ['ECONNREFUSED', 'EHOSTUNREACH', 'ENOTFOUND', 'ETIMEDOUT']) {
      const err = map(systemError(code, `connect ${code} ldap-7.internal:389`), 'connect');
      assert.equal(err.code, 'ERR_COULD_NOT_CONNECT', code);
      assert.equal(err.reason, 'source-unreachable');
      assert.equal(err.spec.expose, false);
      assert.doesNotMatch(err.publicMessage, /ldap-7|internal|389/);
    }
    const reset = map(systemError('ECONNRESET', 'read ECONNRESET'), 'operation');
    assert.equal(reset.code, 'ERR_COULD_NOT_CONNECT');
    assert.equal(reset.reason, 'source-connection-lost');
  });

  it('maps certificate and handshake failures to source-tls-rejected', () => {
    for (const code of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_WRONG_VERSION_NUMBER']) {
      const err = map(systemError(code, 'x'), 'connect');
      assert.equal(err.code, 'ERR_COULD_NOT_CONNECT', code);
      assert.equal(err.reason, 'source-tls-rejected', code);
    }
  });

  it('tells timeouts apart by our own marker, not by message text', () => {
    const connect = map(new SourceTimeoutError('connect', 300));
    assert.equal(connect.code, 'ERR_COULD_NOT_CONNECT');
    assert.equal(connect.reason, 'source-connect-timeout');
    const operation = map(new SourceTimeoutError('operation', 300));
    assert.equal(operation.code, 'ERR_TIME_LIMIT_EXCEEDED');
    assert.equal(operation.reason, 'source-timeout');
    // A plain Error that merely says "timed out" is a broken connection, not our time limit.
    assert.equal(map(new Error('SearchRequest: Operation timed out')).reason, 'source-connection-lost');
  });

  it('maps a connection found closed, a garbled answer and our own mistakes each to their kind', () => {
    assert.equal(map(new ConnectionClosedError()).reason, 'source-connection-closed');
    assert.equal(map(new MessageParserError('Protocol Operation not supported: 0x99')).reason, 'source-protocol-error');
    assert.equal(map(new TypeError('x is not a function')).code, 'ERR_INTERNAL');
    assert.equal(map('a string').code, 'ERR_INTERNAL');
    const already = new DirgateError('ERR_NO_SUCH_OBJECT', 'x');
    assert.equal(map(already), already);
  });

  it('decides fail-over by the error\'s kind', () => {
    const verdict = (err: unknown) => failureVerdict(map(err));
    assert.deepEqual(verdict(systemError('ECONNREFUSED', 'x')), { replicaDown: false, notPerformed: false, retryReads: true });
    assert.deepEqual(failureVerdict(map(systemError('ECONNREFUSED', 'x'), 'connect')), { replicaDown: true, notPerformed: true, retryReads: true });
    assert.deepEqual(verdict(new ConnectionClosedError()), { replicaDown: false, notPerformed: true, retryReads: true });
    assert.deepEqual(verdict(new SourceTimeoutError('operation', 1)), { replicaDown: true, notPerformed: false, retryReads: true });
    assert.deepEqual(verdict(new InvalidCredentialsError('x')), { replicaDown: false, notPerformed: false, retryReads: false });
    assert.deepEqual(verdict(new NoSuchObjectError('x')), { replicaDown: false, notPerformed: false, retryReads: false });
  });
});
