/**
 * A paged search (RFC 2696) continued on another gateway replica: with the
 * same `gateway.pagingSecret` the second replica takes the first one's cookie;
 * without it (each replica's own random key) the cookie is refused with
 * unwillingToPerform, and nothing else about the search changes.
 */
import assert from 'node:assert/strict';
import { request } from 'undici';
import { decodePaged, encodePaged } from '../../../src/directory/paged-results.js';
import { basicHeader, startDeployment, type Deployment, type TestGateway } from './harness.js';

const PAGED = '1.2.840.113556.1.4.319';

function pagedSearch(cookie: Buffer): string {
  const control = encodePaged({ size: 1, cookie }).toString('base64');
  return `<?xml version="1.0" encoding="UTF-8"?>
<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/"><soap-env:Body>
<batchRequest xmlns="urn:oasis:names:tc:DSML:2:0:core" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<searchRequest dn="ou=people,o=example" scope="singleLevel" derefAliases="neverDerefAliases">
<control type="${PAGED}"><controlValue xsi:type="xsd:base64Binary">${control}</controlValue></control>
<filter><present name="uid"/></filter>
<attributes><attribute name="uid"/></attributes>
</searchRequest></batchRequest></soap-env:Body></soap-env:Envelope>`;
}

/** One page from `gateway`: the uids it holds, the cookie for the next page, or the error's descr. */
async function page(gateway: TestGateway, authorization: string, cookie: Buffer): Promise<{ uids: string[]; cookie?: Buffer; error?: string }> {
  const res = await request(`${gateway.url}/dsml`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', 'x-dirgate-app': 'mobile-demo', authorization },
    body: pagedSearch(cookie),
  });
  const xml = await res.body.text();
  assert.equal(res.statusCode, 200, xml);
  if (xml.includes('<errorResponse')) return { uids: [], error: 'errorResponse' };
  const descr = /<resultCode code="\d+" descr="(\w+)"/.exec(xml)?.[1];
  if (descr !== 'success') return { uids: [], error: descr ?? 'no resultCode' };
  const uids = [...xml.matchAll(/<attr name="uid"><value>([^<]*)<\/value>/g)].map((m) => m[1]!);
  const value = /<control type="1\.2\.840\.113556\.1\.4\.319"[^>]*><controlValue[^>]*>([^<]*)</.exec(xml)?.[1];
  return { uids, ...(value !== undefined ? { cookie: decodePaged(Buffer.from(value, 'base64'))!.cookie } : {}) };
}

async function twoReplicas(pagingSecret?: string): Promise<{ d: Deployment; authorization: string }> {
  const d = await startDeployment({
    gateways: 2,
    tweak(raw) {
      if (pagingSecret) (raw.gateway as Record<string, unknown>).pagingSecret = pagingSecret;
    },
  });
  const session = await d.client('mobile-demo', d.gateways[0]).loginWithPassword('alice', 'alice-pass');
  return { d, authorization: basicHeader(session.id, session.token) };
}

describe('a paged search continued on another gateway replica', function () {
  this.timeout(60_000);
  let d: Deployment | undefined;
  afterEach(async () => {
    await d?.close();
    d = undefined;
  });

  it('goes on where the first replica stopped when both share gateway.pagingSecret', async () => {
    const started = await twoReplicas('a-paging-secret-both-replicas-know');
    d = started.d;
    const [one, two] = d.gateways as [TestGateway, TestGateway];
    const first = await page(one, started.authorization, Buffer.alloc(0));
    assert.equal(first.uids.length, 1);
    assert.ok(first.cookie && first.cookie.length > 0, 'the first page has a cookie');
    const second = await page(two, started.authorization, first.cookie);
    assert.equal(second.error, undefined);
    assert.equal(second.uids.length, 1);
    assert.notEqual(second.uids[0], first.uids[0], 'the second page is the next entry, not the first again');
  });

  it('is refused by the other replica with unwillingToPerform when each keeps its own key', async () => {
    const started = await twoReplicas();
    d = started.d;
    const [one, two] = d.gateways as [TestGateway, TestGateway];
    const first = await page(one, started.authorization, Buffer.alloc(0));
    assert.ok(first.cookie && first.cookie.length > 0);
    assert.equal((await page(two, started.authorization, first.cookie)).error, 'unwillingToPerform');
    assert.equal((await page(one, started.authorization, first.cookie)).uids.length, 1, 'the issuing replica still takes its own cookie');
  });
});
