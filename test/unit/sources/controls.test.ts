import assert from 'node:assert/strict';
import { BerReader, BerWriter, ControlParser, PagedResultsControl } from 'ldapts';
import { DirgateError } from '../../../src/errors.js';
import { fromLdapControl, RawControl, toLdapControls } from '../../../src/directory/sources/controls.js';

const PAGED = '1.2.840.113556.1.4.319';

function encode(control: RawControl | PagedResultsControl): Buffer {
  const writer = new BerWriter();
  control.write(writer);
  return writer.buffer;
}

describe('controls between the model and ldapts', () => {
  it('sends a model control as its OID, criticality and BER value', () => {
    const value = Buffer.from([0x30, 0x05, 0x02, 0x01, 0x05, 0x04, 0x00]);
    const [control] = toLdapControls([{ type: PAGED, criticality: true, value }]);
    const bytes = encode(control as RawControl);
    // SEQUENCE { OCTET STRING oid, BOOLEAN TRUE, OCTET STRING value }
    assert.deepEqual(bytes, Buffer.concat([
      Buffer.from([0x30, 2 + PAGED.length + 3 + 2 + value.length, 0x04, PAGED.length]), Buffer.from(PAGED),
      Buffer.from([0x01, 0x01, 0xff, 0x04, value.length]), value,
    ]));
  });

  it('sends a control without a value as just its OID and criticality', () => {
    const [control] = toLdapControls([{ type: '2.16.840.1.113730.3.4.2', criticality: false }]);
    assert.deepEqual(fromLdapControl(control as RawControl), { type: '2.16.840.1.113730.3.4.2', criticality: false });
  });

  it('returns the paged results response ldapts decodes as its BER value, cookie included', () => {
    const cookie = Buffer.from([1, 2, 3, 0xff]);
    const wire = encode(new PagedResultsControl({ value: { size: 0, cookie } }));
    const parsed = ControlParser.parse(new BerReader(wire), []);
    assert.ok(parsed instanceof PagedResultsControl);
    const model = fromLdapControl(parsed);
    assert.equal(model.type, PAGED);
    assert.deepEqual(model.value, Buffer.from([0x30, 0x09, 0x02, 0x01, 0x00, 0x04, 0x04, 1, 2, 3, 0xff]));
  });

  it('captures the raw value of a response control with the OID of a request control', () => {
    const request = new RawControl('1.3.6.1.1.13.2', { critical: true, value: Buffer.from([0x30, 0x00]) });
    const responseValue = Buffer.from([0x30, 0x03, 0x04, 0x01, 0x41]);
    const wire = encode(new RawControl('1.3.6.1.1.13.2', { value: responseValue }));
    const parsed = ControlParser.parse(new BerReader(wire), [request]);
    assert.deepEqual(fromLdapControl(parsed as RawControl).value, responseValue);
  });

  it('refuses a control type that is not an OID', () => {
    assert.throws(() => toLdapControls([{ type: 'paged', criticality: false }]), (err: unknown) => err instanceof DirgateError && err.code === 'ERR_MALFORMED_REQUEST');
  });
});
