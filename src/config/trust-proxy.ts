import { isIP } from 'node:net'

/** The narrowest prefixes a proxy network may have: wider ones trust (nearly) every client. */
export const MIN_PROXY_PREFIX = { ipv4: 8, ipv6: 32 } as const

/** `::ffff:0:0/96`: IPv4-mapped IPv6, which proxy-addr matches against IPv4 peers too. */
const MAPPED = 0xffffn << 32n

/** An IPv6 address (isIP already said 6) as its 128 bits; a dotted IPv4 tail and a zone are handled. */
function ipv6Bits(addr: string): bigint {
  let s = addr.replace(/%.*$/, '')
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s)
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number]
    s = `${s.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head = '', tail] = s.split('::')
  const h = head ? head.split(':') : []
  const t = tail ? tail.split(':') : []
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t]
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n)
}

/**
 * Whether a TRUST_PROXY CIDR (already valid) is wider than a sane proxy network: IPv4 shorter
 * than /8, IPv6 shorter than /32, or an IPv6 range holding IPv4-mapped addresses whose IPv4 part
 * is shorter than /8 (`::ffff:0:0/96`, `::/80`, `::ffff:0.0.0.0/97`: each trusts every IPv4 peer).
 * Several entries (`0.0.0.0/1,128.0.0.0/1`) are each refused, so no union of them covers everyone.
 */
export function tooWideProxyRange(entry: string): boolean {
  const [addr = '', bitsText] = entry.split('/')
  if (bitsText === undefined) return false
  const bits = Number(bitsText)
  if (isIP(addr) === 4) return bits < MIN_PROXY_PREFIX.ipv4
  if (bits < MIN_PROXY_PREFIX.ipv6) return true
  const value = ipv6Bits(addr)
  // A range of at least the /96 that contains the mapped /96 holds every IPv4 address.
  if (bits <= 96) return value >> BigInt(128 - bits) === MAPPED >> BigInt(128 - bits)
  return value >> 32n === 0xffffn && bits - 96 < MIN_PROXY_PREFIX.ipv4
}
