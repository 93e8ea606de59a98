// Which peers are believed: STATUS_TRUST_PROXY and CONSOLE_TRUSTED_PROXY_CIDRS read and matched.
import { AddressList, parseTrustProxy } from '../src/addresses';

describe('parseTrustProxy', () => {
  it('takes nothing, a hop count, or proxy addresses and CIDRs', () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('1')).toBe(1);
    expect(parseTrustProxy('10.0.0.0/8, 192.168.1.7,fd00::/8')).toEqual(['10.0.0.0/8', '192.168.1.7', 'fd00::/8']);
  });

  it('refuses "true" (every hop believed) and anything that is not an address', () => {
    expect(() => parseTrustProxy('true')).toThrow(/every hop/);
    expect(() => parseTrustProxy('0')).toThrow(/1 to 10/);
    expect(() => parseTrustProxy('10.0.0.0/33')).toThrow(/not an IP address or CIDR/);
    expect(() => parseTrustProxy('ingress-nginx')).toThrow(/not an IP address or CIDR/);
  });
});

describe('AddressList', () => {
  const list = new AddressList('CONSOLE_TRUSTED_PROXY_CIDRS', ['10.42.0.0/16', '127.0.0.1', 'fd00::/8']);

  it('matches peers inside the CIDRs, IPv4-mapped IPv6 included', () => {
    expect(list.has('10.42.7.9')).toBe(true);
    expect(list.has('::ffff:10.42.7.9')).toBe(true);
    expect(list.has('127.0.0.1')).toBe(true);
    expect(list.has('fd00::1')).toBe(true);
  });

  it('refuses every other peer, and no peer at all', () => {
    expect(list.has('10.43.0.1')).toBe(false);
    expect(list.has('127.0.0.2')).toBe(false);
    expect(list.has(undefined)).toBe(false);
    expect(list.has('not an address')).toBe(false);
    expect(() => new AddressList('CONSOLE_TRUSTED_PROXY_CIDRS', ['10.0.0.0/99'])).toThrow(
      /CONSOLE_TRUSTED_PROXY_CIDRS/,
    );
  });
});
