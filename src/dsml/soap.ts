/**
 * SOAP Faults for requests that cannot be answered with a batchResponse: not
 * XML, not SOAP, a refused construct, a mandatory header not understood, a bad
 * or exhausted Microsoft session. The fault string is the error's public
 * message only; there is never a detail element.
 */
import type { DirgateError } from '../errors.js';
import { CONTENT_TYPE, SOAP11_NS, SOAP12_NS, type SoapVersion } from './constants.js';
import { XML_DECLARATION } from './serialize.js';
import { escapeAttr, escapeText } from './xml/escape.js';

/** Who is at fault: SOAP 1.1 Client/Server, SOAP 1.2 Sender/Receiver, or a header not understood. */
export type FaultCode = 'Client' | 'Server' | 'MustUnderstand';

export interface SoapFault {
  status: number;
  contentType: string;
  body: string;
}

export function soapFault(
  soap: SoapVersion,
  code: FaultCode,
  reason: string,
  status: number,
  notUnderstood?: { ns: string; local: string },
): SoapFault {
  const text = escapeText(reason);
  if (soap === '1.1') {
    const body =
      `${XML_DECLARATION}<soap:Envelope xmlns:soap="${SOAP11_NS}"><soap:Body><soap:Fault>` +
      `<faultcode>soap:${code}</faultcode><faultstring>${text}</faultstring>` +
      `</soap:Fault></soap:Body></soap:Envelope>`;
    return { status, contentType: CONTENT_TYPE.soap11, body };
  }
  const value = code === 'Client' ? 'Sender' : code === 'Server' ? 'Receiver' : 'MustUnderstand';
  // SOAP 1.2 names each mandatory header that was not understood in a NotUnderstood header block.
  const header = notUnderstood
    ? `<env:Header><env:NotUnderstood xmlns:h="${escapeAttr(notUnderstood.ns)}" qname="h:${escapeAttr(notUnderstood.local)}"/></env:Header>`
    : '';
  const body =
    `${XML_DECLARATION}<env:Envelope xmlns:env="${SOAP12_NS}">${header}<env:Body><env:Fault>` +
    `<env:Code><env:Value>env:${value}</env:Value></env:Code>` +
    `<env:Reason><env:Text xml:lang="en">${text}</env:Text></env:Reason>` +
    `</env:Fault></env:Body></env:Envelope>`;
  return { status, contentType: CONTENT_TYPE.soap12, body };
}

/** A Fault for a DirgateError: its public message, Client/Sender unless the error is on our side. */
export function faultForError(soap: SoapVersion, err: DirgateError, code?: FaultCode): SoapFault {
  const serverSide = err.spec.http >= 500;
  const faultCode = code ?? (serverSide ? 'Server' : 'Client');
  const status = faultCode === 'Server' ? (err.spec.http === 503 ? 503 : 500) : 400;
  return soapFault(soap, faultCode, err.publicMessage, status);
}
