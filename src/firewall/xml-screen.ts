/**
 * The streaming XML screen: every body chunk goes through saxes as it arrives,
 * and the first forbidden construct or exceeded cap stops the request before the
 * gateway sees a byte. saxes never expands entities and never fetches anything;
 * the screen refuses DOCTYPE outright, so only the five predefined entities and
 * character references can appear. On the way it records what the policy rules
 * need: whether there is a SOAP envelope, the payload element, whether it is
 * encrypted, and each operation with its DNs.
 */
import { SaxesParser, type SaxesTagNS, type XMLDecl } from 'saxes';
import { refuse } from './refusal.js';
import type { XmlLimits } from './settings.js';

export const NS = {
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  dsml: 'urn:oasis:names:tc:DSML:2:0:core',
  spml: 'urn:oasis:names:tc:SPML:2:0',
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
} as const;

export interface ScreenedOperation {
  /** Local name of the request element (`searchRequest`). */
  element: string;
  /** DSML: the `dn` attribute. */
  dn?: string;
  /** DSML modDNRequest: where the entry moves to. */
  newSuperior?: string;
  /** SPML: the PSO identifiers (DNs in the DSML profile) named anywhere in the request. */
  ids: string[];
}

export interface XmlSummary {
  enveloped: boolean;
  soapNamespace?: string;
  /** The element inside the SOAP Body (or the root, bare). */
  payload?: { local: string; uri: string; requestId?: string };
  encrypted: boolean;
  operations: ScreenedOperation[];
}

export type Protocol = 'dsml' | 'spml';

const SPML_ID_ELEMENTS = new Set(['psoID', 'containerID', 'basePsoID']);

export class XmlScreen {
  private readonly parser = new SaxesParser({ xmlns: true, position: false });
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly summary: XmlSummary = { enveloped: false, encrypted: false, operations: [] };
  private depth = 0;
  private elements = 0;
  private payloadDepth = 1;
  private payloads = 0;
  private current: ScreenedOperation | undefined;
  private operationDepth = 0;

  constructor(private readonly limits: XmlLimits, private readonly protocol: Protocol) {
    const p = this.parser;
    p.on('error', (err) => refuse(/entity/i.test(err.message) ? 'xml-entity-refused' : 'xml-malformed', { cause: err }));
    p.on('doctype', (text) => refuse(/<!ENTITY/i.test(text) ? 'xml-entity-refused' : 'xml-doctype-refused'));
    p.on('xmldecl', (decl: XMLDecl) => {
      if (decl.encoding !== undefined && !/^utf-?8$/i.test(decl.encoding)) refuse('xml-encoding-refused');
    });
    // Caps are checked once a start tag is complete: a tag is bounded by the body cap, and fewer
    // handlers (no per-attribute event) make the screen markedly cheaper per request.
    p.on('opentag', (tag) => this.onOpen(tag as SaxesTagNS));
    p.on('closetag', () => this.onClose());
  }

  write(chunk: Uint8Array): void {
    this.parser.write(this.decode(chunk, true));
  }

  end(): XmlSummary {
    this.parser.write(this.decode(new Uint8Array(0), false));
    this.parser.close();
    if (this.summary.enveloped ? this.payloads !== 1 : !this.summary.payload) refuse('soap-malformed');
    return this.summary;
  }

  private decode(chunk: Uint8Array, stream: boolean): string {
    try {
      return this.decoder.decode(chunk, { stream });
    } catch (err) {
      return refuse('xml-malformed', { cause: err });
    }
  }

  private checkCaps(tag: SaxesTagNS): void {
    this.depth += 1;
    this.elements += 1;
    if (this.depth > this.limits.maxDepth) refuse('xml-too-deep');
    if (this.elements > this.limits.maxElements) refuse('xml-too-many-elements');
    const max = this.limits.maxNameLength;
    if (tag.name.length > max) refuse('xml-name-too-long');
    let count = 0;
    for (const name in tag.attributes) {
      count += 1;
      if (name.length > max) refuse('xml-name-too-long');
    }
    if (count > this.limits.maxAttributes) refuse('xml-too-many-attributes');
  }

  private onOpen(tag: SaxesTagNS): void {
    this.checkCaps(tag);
    const { local, uri } = tag;
    if (this.depth === 1 && local === 'Envelope' && (uri === NS.soap11 || uri === NS.soap12)) {
      this.summary.enveloped = true;
      this.summary.soapNamespace = uri;
      this.payloadDepth = 3;
      return;
    }
    if (this.summary.enveloped && this.depth === 2) {
      // Only Header and Body belong in an Envelope; anything else could hide a second payload.
      if (uri !== this.summary.soapNamespace || (local !== 'Header' && local !== 'Body')) refuse('soap-malformed');
      if (local === 'Body') this.payloadDepth = 3;
      else this.payloadDepth = Number.POSITIVE_INFINITY;
      return;
    }
    if (this.depth === this.payloadDepth) return this.onPayload(tag);
    if (this.depth === this.payloadDepth + 1 && this.isBatch()) return this.onOperation(tag);
    if (this.protocol === 'spml' && this.current && SPML_ID_ELEMENTS.has(local)) {
      const id = tag.attributes.ID?.value;
      if (id !== undefined) this.current.ids.push(id);
    }
  }

  private onClose(): void {
    if (this.summary.enveloped && this.depth === 2) this.payloadDepth = 3;
    if (this.current && this.depth === this.operationDepth) this.current = undefined;
    this.depth -= 1;
  }

  private isBatch(): boolean {
    return this.summary.payload?.local === 'batchRequest' && !this.summary.encrypted;
  }

  private onPayload(tag: SaxesTagNS): void {
    this.payloads += 1;
    if (this.payloads > 1) refuse('soap-malformed');
    const { local, uri } = tag;
    this.summary.payload = { local, uri, requestId: tag.attributes.requestID?.value };
    if (local === 'EncryptedData' && uri === NS.xenc) {
      this.summary.encrypted = true;
      return;
    }
    if (this.protocol === 'dsml') {
      if (local !== 'batchRequest' || (uri !== NS.dsml && uri !== '')) refuse('soap-malformed');
      return;
    }
    if (!uri.startsWith(NS.spml) || !local.endsWith('Request')) refuse('soap-malformed');
    if (local !== 'batchRequest') this.onOperation(tag);
  }

  private onOperation(tag: SaxesTagNS): void {
    const op: ScreenedOperation = { element: tag.local, ids: [] };
    if (this.protocol === 'dsml') {
      op.dn = tag.attributes.dn?.value;
      op.newSuperior = tag.attributes.newSuperior?.value;
    }
    this.summary.operations.push(op);
    this.current = op;
    this.operationDepth = this.depth;
  }
}
