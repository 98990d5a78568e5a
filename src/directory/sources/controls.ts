/**
 * Controls between the model and ldapts, as raw (OID, criticality, BER value)
 * triples, so any control a client sends reaches the source unchanged and a
 * DSML client can, for example, page across requests with the Simple Paged
 * Results control (1.2.840.113556.1.4.319) by sending back the cookie it got.
 *
 * ldapts 8 decodes a response control only when it knows the OID (paged
 * results, entry change notification, persistent search, sort request) or when
 * the request carried a control with the same OID, which it then reuses as the
 * parse target. Request controls are therefore RawControls that keep the bytes
 * they parse; controls ldapts decodes itself are encoded back to their BER
 * value. A response control with an OID that is neither known to ldapts nor
 * sent in the request (the sort response 1.2.840.113556.1.4.474, the VLV
 * response) is dropped by ldapts before we can see it.
 */
import { Ber, BerReader, BerWriter, Control as LdapControl } from 'ldapts';
import { DirgateError } from '../../errors.js';
import type { Control } from '../model.js';

const OID = /^\d+(?:\.\d+)+$/;

/** A control carried as its bytes; as a request control it also captures the response value with its OID. */
export class RawControl extends LdapControl {
  value: Buffer | undefined;

  constructor(type: string, options: { critical?: boolean; value?: Buffer } = {}) {
    super(type, { critical: options.critical });
    this.value = options.value;
  }

  protected override writeControl(writer: BerWriter): void {
    if (this.value !== undefined) writer.writeBuffer(this.value, Ber.OctetString);
  }

  protected override parseControl(reader: BerReader): void {
    // ldapts hands over a reader on exactly the control's value.
    const bytes = reader.remainingBuffer;
    this.value = bytes.length > 0 ? Buffer.from(bytes) : undefined;
  }
}

export function toLdapControls(controls: readonly Control[]): RawControl[] {
  return controls.map((c) => {
    if (!OID.test(c.type)) throw new DirgateError('ERR_MALFORMED_REQUEST', 'invalid control type', { reason: 'invalid-control-type' });
    return new RawControl(c.type, { critical: c.criticality, value: c.value });
  });
}

/** The BER value of a control ldapts decoded, by letting the control encode itself again. */
function encodedValue(control: LdapControl): Buffer | undefined {
  const writer = new BerWriter();
  (control as unknown as { writeControl(w: BerWriter): void }).writeControl(writer);
  const wrapped = writer.buffer;
  if (wrapped.length === 0) return undefined;
  const value = new BerReader(wrapped).readString(Ber.OctetString, true);
  return value && value.length > 0 ? Buffer.from(value) : undefined;
}

export function fromLdapControl(control: LdapControl): Control {
  const value = control instanceof RawControl ? control.value : encodedValue(control);
  return value === undefined
    ? { type: control.type, criticality: control.critical }
    : { type: control.type, criticality: control.critical, value };
}

export function fromLdapControls(controls: readonly LdapControl[] | undefined): Control[] | undefined {
  return controls && controls.length > 0 ? controls.map(fromLdapControl) : undefined;
}
