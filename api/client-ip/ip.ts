// IP addresses and CIDR ranges, parsed into bytes so both families compare the same way.
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d, as dual-stack sockets report IPv4 peers) are
// treated as the IPv4 address they carry.

export interface Ip {
  version: 4 | 6;
  bytes: Uint8Array;
}

export interface Cidr extends Ip {
  prefix: number;
}

function parseV4(text: string): Uint8Array | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i]) || Number(parts[i]) > 255) return null;
    bytes[i] = Number(parts[i]);
  }
  return bytes;
}

function parseV6(text: string): Uint8Array | null {
  const zone = text.indexOf("%"); // fe80::1%eth0
  if (zone >= 0) text = text.slice(0, zone);
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (half: string) => (half === "" ? [] : half.split(":"));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const words: number[] = [];
  const push = (list: string[], last: boolean) => {
    for (let i = 0; i < list.length; i++) {
      const group = list[i];
      if (last && i === list.length - 1 && group.includes(".")) {
        const v4 = parseV4(group);
        if (!v4) return false;
        words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else if (/^[0-9a-f]{1,4}$/i.test(group)) words.push(parseInt(group, 16));
      else return false;
    }
    return true;
  };
  if (!push(head, halves.length === 1)) return null;
  const headWords = words.length;
  if (!push(tail, true)) return null;
  if (halves.length === 1 ? words.length !== 8 : words.length > 7) return null;
  const full = [
    ...words.slice(0, headWords),
    ...new Array(8 - words.length).fill(0),
    ...words.slice(headWords),
  ];
  const bytes = new Uint8Array(16);
  full.forEach((word, i) => {
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 0xff;
  });
  return bytes;
}

const isMappedV4 = (b: Uint8Array) =>
  b.slice(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;

export function parseIp(text: string): Ip | null {
  text = text.trim().replace(/^\[(.*)\]$/, "$1");
  const v4 = parseV4(text);
  if (v4) return { version: 4, bytes: v4 };
  if (!text.includes(":")) return null;
  const v6 = parseV6(text);
  if (!v6) return null;
  return isMappedV4(v6) ? { version: 4, bytes: v6.slice(12) } : { version: 6, bytes: v6 };
}

/** "10.0.0.0/8", "2001:db8::/32" or a single address ("192.0.2.1" is a /32). */
export function parseCidr(text: string): Cidr | null {
  const [address, prefixText, ...rest] = text.trim().split("/");
  const ip = parseIp(address);
  if (!ip || rest.length > 0) return null;
  const max = ip.version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  // A mapped IPv4 range (::ffff:10.0.0.0/104) becomes the plain IPv4 range.
  let prefix = prefixText === undefined ? max : Number(prefixText);
  if (ip.version === 4 && address.includes(":") && prefixText !== undefined) prefix -= 96;
  if (prefix < 0 || prefix > max) return null;
  return { ...ip, prefix };
}

export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  if (cidr.version !== ip.version) return false;
  const whole = cidr.prefix >> 3;
  for (let i = 0; i < whole; i++) if (cidr.bytes[i] !== ip.bytes[i]) return false;
  const bits = cidr.prefix & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (cidr.bytes[whole] & mask) === (ip.bytes[whole] & mask);
}

/**
 * The unit a rate limit counts: an IPv4 address, or the /64 an IPv6 address belongs to (one
 * subscriber usually gets a whole /64, so counting single IPv6 addresses limits nothing).
 */
export function limitUnit(ip: Ip): string {
  if (ip.version === 4) return ip.bytes.join(".");
  const words = [];
  for (let i = 0; i < 8; i += 2) words.push(((ip.bytes[i] << 8) | ip.bytes[i + 1]).toString(16));
  return `${words.join(":")}::/64`;
}

/** Named ranges accepted in TRUST_PROXY besides CIDRs. */
export const NAMED_RANGES: Record<string, string[]> = {
  loopback: ["127.0.0.0/8", "::1/128"],
  private: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
  linklocal: ["169.254.0.0/16", "fe80::/10"],
};

/**
 * TRUST_PROXY: "false" (none), "true" (loopback and private networks) or a comma list of
 * CIDRs, addresses and range names. Returns the ranges or a message saying what is wrong.
 */
export function parseTrustedProxies(value: string): Cidr[] | string {
  const lower = value.trim().toLowerCase();
  if (["false", "0", "no", ""].includes(lower)) return [];
  const words = ["true", "1", "yes"].includes(lower)
    ? ["loopback", "private"]
    : lower.split(",").map((word) => word.trim()).filter(Boolean);
  const ranges: Cidr[] = [];
  for (const word of words) {
    for (const text of NAMED_RANGES[word] ?? [word]) {
      const cidr = parseCidr(text);
      if (!cidr) return `"${word}" is not a CIDR, an address, true/false or a range name`;
      ranges.push(cidr);
    }
  }
  return ranges;
}
