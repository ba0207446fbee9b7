import assert from 'node:assert/strict'
import { test } from 'node:test'
import { addressKey } from '../../src/lib/client-address.js'

test('per-address keys: IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 grouped by its /64', () => {
  assert.equal(addressKey('203.0.113.7'), '203.0.113.7')
  assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7')
  assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:0db8:0001:0002::/64')
  assert.equal(addressKey('2001:DB8:1:2:ffff:ffff:ffff:ffff'), '2001:0db8:0001:0002::/64', 'any address in the /64, any case')
  assert.equal(addressKey('2001:db8::1'), '2001:0db8:0000:0000::/64')
  assert.equal(addressKey('::1'), '0000:0000:0000:0000::/64')
  assert.equal(addressKey('fe80::1%eth0'), 'fe80:0000:0000:0000::/64')
  assert.notEqual(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'), 'another /64 is another key')
  assert.equal(addressKey('203.0.113.7:5678'), '203.0.113.7', 'a forwarded port is not a new client')
  assert.equal(addressKey('[2001:db8:1:2::1]:443'), '2001:0db8:0001:0002::/64')
})
