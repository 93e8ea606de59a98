// Which network peers the status service believes: STATUS_TRUST_PROXY (whose X-Forwarded-For gives the
// client's address) and CONSOLE_TRUSTED_PROXY_CIDRS (whose identity header signs an operator in). Pure.
import { BlockList, isIP } from 'node:net';
import { ConfigError } from '@switchboard/core';

/** What fastify's trustProxy takes: off, a number of hops, or the proxies' addresses (IPs or CIDRs). */
export type TrustProxy = false | number | string[];

/** One address or CIDR, checked: `10.0.0.0/8`, `192.168.1.7`, `fd00::/8`. */
function checkedCidr(variable: string, text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const [address, prefixText, extra] = text.split('/');
  const version = isIP(address ?? '');
  const max = version === 6 ? 128 : 32;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (
    !version ||
    extra !== undefined ||
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > max ||
    (prefixText !== undefined && !/^\d+$/.test(prefixText))
  ) {
    throw new ConfigError(variable, `"${text}" is not an IP address or CIDR (e.g. 10.0.0.0/8 or 192.168.1.7)`);
  }
  return { address, prefix, family: version === 6 ? 'ipv6' : 'ipv4' };
}

/** STATUS_TRUST_PROXY: empty or "false" (off), a hop count, or comma-separated proxy addresses/CIDRs. */
export function parseTrustProxy(text: string | undefined): TrustProxy {
  const value = (text ?? '').trim();
  if (value === '' || value === 'false') return false;
  if (value === 'true') {
    throw new ConfigError(
      'STATUS_TRUST_PROXY',
      '"true" would trust every hop, so a client could pick its own address: give the proxies\' addresses (CIDRs, comma-separated) or a hop count',
    );
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops < 1 || hops > 10) throw new ConfigError('STATUS_TRUST_PROXY', 'a hop count must be 1 to 10');
    return hops;
  }
  const entries = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const entry of entries) checkedCidr('STATUS_TRUST_PROXY', entry);
  return entries;
}

/** Whether a peer's address falls in a list of CIDRs (IPv4-mapped IPv6 peers count as IPv4). */
export class AddressList {
  private readonly list = new BlockList();

  constructor(variable: string, cidrs: string[]) {
    for (const entry of cidrs) {
      const { address, prefix, family } = checkedCidr(variable, entry);
      this.list.addSubnet(address, prefix, family);
    }
  }

  has(peer: string | undefined): boolean {
    if (!peer) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(peer);
    const address = mapped ? mapped[1] : peer;
    const version = isIP(address);
    return version !== 0 && this.list.check(address, version === 6 ? 'ipv6' : 'ipv4');
  }
}
