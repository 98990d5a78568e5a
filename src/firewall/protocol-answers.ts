/**
 * How a refusal leaves, in the protocol the client spoke. Transport-level
 * refusals are SOAP Faults (1.1, or 1.2 when the client used it) on /dsml and
 * /spml and plain text elsewhere; refusals of a well-formed request are answered
 * inside the protocol with HTTP 200, as DESIGN section 3 has it for every
 * batchResponse: a DSML batchResponse holding one errorResponse, or an SPML
 * response with status="failure". Texts come from the reasons table only: no
 * internal detail can reach a client from here.
 */
import { ERRORS } from '../errors.js';
import { REASONS, type RefusalReason } from './reasons.js';
import { NS, type XmlSummary } from './xml-screen.js';
import { spmlResponseName } from './operations.js';

export type RouteKind = 'dsml' | 'spml' | 'plain';

export interface Answer {
  status: number;
  contentType: string;
  body: string;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>';
const REASON_NS = 'urn:dirgate:firewall';

function envelope(soapNs: string, inner: string): string {
  return `${XML_DECL}<soap:Envelope xmlns:soap="${soapNs}"><soap:Body>${inner}</soap:Body></soap:Envelope>`;
}

export function soapFault(status: number, message: string, reason: string, soap12: boolean): Answer {
  const detail = `<dg:reason xmlns:dg="${REASON_NS}">${escapeXml(reason)}</dg:reason>`;
  if (soap12) {
    const code = status >= 500 ? 'soap:Receiver' : 'soap:Sender';
    const inner = `<soap:Fault><soap:Code><soap:Value>${code}</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">${escapeXml(message)}</soap:Text></soap:Reason><soap:Detail>${detail}</soap:Detail></soap:Fault>`;
    return { status, contentType: 'application/soap+xml; charset=utf-8', body: envelope(NS.soap12, inner) };
  }
  const code = status >= 500 ? 'soap:Server' : 'soap:Client';
  const inner = `<soap:Fault><faultcode>${code}</faultcode><faultstring>${escapeXml(message)}</faultstring><detail>${detail}</detail></soap:Fault>`;
  return { status, contentType: 'text/xml; charset=utf-8', body: envelope(NS.soap11, inner) };
}

function inProtocol(xml: XmlSummary, inner: string, soap12: boolean): Answer {
  if (!xml.enveloped) return { status: 200, contentType: 'text/xml; charset=utf-8', body: `${XML_DECL}${inner}` };
  return {
    status: 200,
    contentType: soap12 ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8',
    body: envelope(soap12 ? NS.soap12 : NS.soap11, inner),
  };
}

function requestIdAttr(xml: XmlSummary): string {
  const id = xml.payload?.requestId;
  return id === undefined ? '' : ` requestID="${escapeXml(id)}"`;
}

export interface AnswerContext {
  route: RouteKind;
  /** The screened body, when it was read. */
  xml?: XmlSummary;
  /** The client sent application/soap+xml. */
  soap12: boolean;
}

export function refusalAnswer(reason: RefusalReason, ctx: AnswerContext): Answer {
  const spec = REASONS[reason];
  const soap12 = ctx.xml?.soapNamespace === NS.soap12 || (ctx.xml?.soapNamespace === undefined && ctx.soap12);
  const payload = ctx.xml?.payload;
  if (spec.form === 'protocol' && ctx.xml && payload && !ctx.xml.encrypted) {
    const message = `<message>${escapeXml(spec.message)}</message>`;
    if (ctx.route === 'dsml') {
      const type = (ERRORS[spec.code] as { dsml?: string }).dsml ?? 'other';
      return inProtocol(ctx.xml, `<batchResponse xmlns="${NS.dsml}"${requestIdAttr(ctx.xml)}><errorResponse type="${type}">${message}</errorResponse></batchResponse>`, soap12);
    }
    if (ctx.route === 'spml') {
      const name = spmlResponseName(payload.local);
      const error = ERRORS[spec.code].spml;
      return inProtocol(ctx.xml, `<spml:${name} xmlns:spml="${escapeXml(payload.uri)}" status="failure" error="${error}"${requestIdAttr(ctx.xml)}><spml:errorMessage>${escapeXml(spec.message)}</spml:errorMessage></spml:${name}>`, soap12);
    }
  }
  if (ctx.route === 'plain') return { status: spec.http, contentType: 'text/plain; charset=utf-8', body: `${spec.message}\n` };
  return soapFault(spec.http, spec.message, reason, soap12);
}

/** What replaces the body of a gateway 5xx: the status stays, the text says nothing. */
export function upstreamFailureAnswer(status: number, ctx: AnswerContext): Answer {
  if (ctx.route === 'plain') return { status, contentType: 'text/plain; charset=utf-8', body: 'internal error\n' };
  const soap12 = ctx.xml?.soapNamespace === NS.soap12 || (ctx.xml?.soapNamespace === undefined && ctx.soap12);
  return soapFault(status, REASONS['upstream-error'].message, 'upstream-error', soap12);
}
