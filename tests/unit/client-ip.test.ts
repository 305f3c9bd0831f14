// Client addresses for rate limiting: parsing, CIDRs, IPv6 /64 units, TRUST_PROXY and the
// X-Forwarded-For walk from the right.
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { parseConfig } from "../../api/config.ts";
import {
  type Cidr,
  cidrContains,
  limitUnit,
  parseCidr,
  parseIp,
  parseTrustedProxies,
} from "../../api/client-ip/ip.ts";
import { clientAddress } from "../../api/client-ip/middleware.ts";

const unit = (text: string) => limitUnit(parseIp(text)!);
const trust = (value: string) => parseTrustedProxies(value) as Cidr[];

Deno.test("addresses parse in both families; mapped IPv4 is IPv4; junk is null", () => {
  strictEqual(unit("192.0.2.7"), "192.0.2.7");
  strictEqual(unit("::ffff:192.0.2.7"), "192.0.2.7");
  strictEqual(unit("[2001:db8::1]"), "2001:db8:0:0::/64");
  strictEqual(unit("2001:DB8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
  strictEqual(unit("fe80::1%eth0"), "fe80:0:0:0::/64");
  strictEqual(unit("::"), "0:0:0:0::/64");
  for (
    const bad of ["", "1.2.3", "1.2.3.256", "01.2.3.4x", "2001:db8::1::2", "1:2:3:4:5:6:7:8:9"]
  ) {
    strictEqual(parseIp(bad), null, bad);
  }
});

Deno.test("every address of one IPv6 /64 is one rate-limit unit, another /64 is not", () => {
  strictEqual(unit("2001:db8:aa:bb::1"), unit("2001:db8:aa:bb:ffff:ffff:ffff:fffe"));
  ok(unit("2001:db8:aa:bb::1") !== unit("2001:db8:aa:bc::1"));
});

Deno.test("CIDR membership", () => {
  const net = parseCidr("10.1.0.0/16")!;
  ok(cidrContains(net, parseIp("10.1.255.3")!));
  ok(!cidrContains(net, parseIp("10.2.0.1")!));
  ok(!cidrContains(net, parseIp("::ffff:10.2.0.1")!));
  ok(cidrContains(parseCidr("172.16.0.0/12")!, parseIp("172.31.0.1")!));
  ok(!cidrContains(parseCidr("172.16.0.0/12")!, parseIp("172.32.0.1")!));
  ok(cidrContains(parseCidr("2001:db8::/32")!, parseIp("2001:db8:ffff::1")!));
  ok(!cidrContains(parseCidr("2001:db8::/32")!, parseIp("10.0.0.1")!));
  ok(cidrContains(parseCidr("192.0.2.1")!, parseIp("192.0.2.1")!));
  for (const bad of ["10.0.0.0/33", "10.0.0.0/x", "::/129", "nonsense", "10.0.0.0/8/8"]) {
    strictEqual(parseCidr(bad), null, bad);
  }
});

// A random one: the configuration refuses predictable secrets outside development.
const SECRET = crypto.randomUUID() + crypto.randomUUID();

Deno.test("TRUST_PROXY takes CIDRs and names, keeps true/false, and refuses junk", () => {
  deepStrictEqual(parseTrustedProxies("false"), []);
  deepStrictEqual(parseTrustedProxies(""), []);
  strictEqual(trust("true").length, 6); // loopback (2) + private (4)
  strictEqual(trust("10.0.0.0/8, 2001:db8::/32,loopback").length, 4);
  const config = parseConfig({
    DATABASE_URL: "postgres://u:p@db:5432/orders",
    REDIS_URL: "redis://redis:6379/0",
    KAFKA_BROKERS: "kafka:9092",
    JWT_SECRET_KEY: SECRET,
    TRUST_PROXY: "192.0.2.0/24",
  });
  strictEqual(config.rateLimit.trustedProxies.length, 1);
  throws(
    () =>
      parseConfig({
        DATABASE_URL: "postgres://u:p@db:5432/orders",
        REDIS_URL: "redis://redis:6379/0",
        KAFKA_BROKERS: "kafka:9092",
        JWT_SECRET_KEY: SECRET,
        TRUST_PROXY: "10.0.0.0/8,proxy.example",
      }),
    /TRUST_PROXY.*proxy\.example/,
  );
});

Deno.test("X-Forwarded-For counts only when the peer is trusted; the walk skips trusted hops", () => {
  const proxies = trust("10.0.0.0/8");
  // No trust at all: the peer is the client whatever the header says.
  strictEqual(clientAddress("203.0.113.9", "198.51.100.1", []), "203.0.113.9");
  // An untrusted peer cannot name a client.
  strictEqual(clientAddress("203.0.113.9", "198.51.100.1", proxies), "203.0.113.9");
  // A trusted peer: the rightmost untrusted hop is the client; what it claimed is ignored.
  strictEqual(
    clientAddress("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.7", proxies),
    "198.51.100.1",
  );
  // A hop that is no address ends the walk at the last address we could believe.
  strictEqual(clientAddress("10.0.0.2", "198.51.100.1, junk", proxies), "10.0.0.2");
  // Only trusted hops: the leftmost is the best we know.
  strictEqual(clientAddress("10.0.0.2", "10.0.0.9, 10.0.0.7", proxies), "10.0.0.9");
  // IPv6 clients behind the proxy count per /64.
  strictEqual(clientAddress("10.0.0.2", "2001:db8:1:2::99", proxies), "2001:db8:1:2::/64");
  strictEqual(clientAddress(undefined, "198.51.100.1", proxies), "unknown");
});
