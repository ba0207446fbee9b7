import { isIPv4, isIPv6 } from 'node:net'

/** The 8 groups of an IPv6 address, zero-padded (`::1` -> 0000:...:0001). */
function expandIPv6(ip: string): string[] {
  const [head = '', tail] = ip.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const fill = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0')
  return [...left, ...fill, ...right].map((g) => g.padStart(4, '0'))
}

/**
 * The key a per-address limit counts under. One IPv6 customer usually holds a whole /64 (and can
 * pick any address in it), so IPv6 is grouped by its /64; IPv4 and IPv4-mapped IPv6 are the address.
 */
export function addressKey(raw: string): string {
  // A forwarded value may carry a port (1.2.3.4:5678, [2001:db8::1]:443): one client, one key.
  const ip = /^\d+\.\d+\.\d+\.\d+:\d+$/.test(raw) ? raw.slice(0, raw.lastIndexOf(':')) : (/^\[([0-9a-fA-F:.]+)\](?::\d+)?$/.exec(raw)?.[1] ?? raw)
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (mapped) return mapped[1]!
  if (isIPv4(ip)) return ip
  const bare = ip.split('%')[0]!
  if (!isIPv6(bare) || bare.includes('.')) return ip
  return `${expandIPv6(bare.toLowerCase()).slice(0, 4).join(':')}::/64`
}
