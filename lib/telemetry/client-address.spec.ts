import { addressKey, clientAddress } from './client-address.js';

describe('clientAddress and addressKey', () => {
  it('prefers req.ip (trust proxy honoured by the framework), else the socket; IPv4-mapped as IPv4', () => {
    expect(clientAddress({ ip: '203.0.113.9', socket: { remoteAddress: '10.0.0.1' } })).toBe('203.0.113.9');
    expect(clientAddress({ socket: { remoteAddress: '::ffff:127.0.0.1' } })).toBe('127.0.0.1');
    expect(clientAddress({ ip: '', socket: null })).toBeUndefined();
  });

  it('limits IPv6 addresses per /64, IPv4 per address', () => {
    expect(addressKey('198.51.100.7')).toBe('198.51.100.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});
