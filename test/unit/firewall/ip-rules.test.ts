import assert from 'node:assert/strict';
import { IpRules, normalizeIp } from '../../../src/firewall/ip-rules.js';
import { ClientIpResolver } from '../../../src/firewall/client-ip.js';

describe('client address rules', () => {
  it('lets deny win over allow, for IPv4 and IPv6 blocks', () => {
    const rules = new IpRules({ allow: ['10.0.0.0/8', '2001:db8::/32'], deny: ['10.1.0.0/16', '2001:db8:bad::/48'] });
    assert.ok(rules.permits('10.2.3.4'));
    assert.ok(!rules.permits('10.1.2.3'));
    assert.ok(!rules.permits('192.0.2.1'));
    assert.ok(rules.permits('2001:db8::1'));
    assert.ok(!rules.permits('2001:db8:bad::1'));
  });

  it('permits everyone not denied when there is no allow list', () => {
    const rules = new IpRules({ deny: ['127.0.0.2'] });
    assert.ok(rules.permits('127.0.0.1'));
    assert.ok(!rules.permits('127.0.0.2'));
  });

  it('judges an IPv4-mapped IPv6 address as the IPv4 address', () => {
    assert.equal(normalizeIp('::ffff:127.0.0.2'), '127.0.0.2');
    assert.ok(!new IpRules({ deny: ['127.0.0.0/30'] }).permits(normalizeIp('::FFFF:127.0.0.2')));
  });

  it('believes X-Forwarded-For only from a trusted proxy, and only its right-most untrusted address', () => {
    const resolver = new ClientIpResolver(['10.0.0.0/8']);
    assert.equal(resolver.resolve('192.0.2.9', '198.51.100.1'), '192.0.2.9', 'untrusted peer');
    assert.equal(resolver.resolve('10.0.0.1', '203.0.113.7, 198.51.100.1, 10.0.0.2'), '198.51.100.1');
    assert.equal(resolver.resolve('10.0.0.1', 'not-an-ip'), '10.0.0.1');
    assert.equal(new ClientIpResolver([]).resolve('::ffff:127.0.0.1', '1.2.3.4'), '127.0.0.1');
  });
});
