// Who is signing in: the socket's peer, or — only when that peer is a trusted proxy — the
// nearest address in X-Forwarded-For that is not one of ours. Rotating the header from outside
// changes nothing: an untrusted peer's header is ignored.
import { lookup } from "node:dns/promises";
import { BlockList, isIP, isIPv6 } from "node:net";

/** The header the portal's own server sets on every request (after dropping any a client sent). */
export const CLIENT_ADDRESS_HEADER = "x-opsdeck-client-address";

const plain = (address: string) => address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, "$1");
const family = (address: string) => (isIPv6(address) ? "ipv6" : "ipv4");

export function trustedList(proxies: string[]): BlockList {
  const list = new BlockList();
  for (const proxy of proxies) {
    const [address, bits] = proxy.split("/");
    if (bits === undefined) list.addAddress(address, family(address));
    else list.addSubnet(address, Number(bits), family(address));
  }
  return list;
}

/**
 * The trusted proxies as addresses and ranges: host names (the compose stack's `nginx`) looked
 * up now. A name that does not resolve is left out, so nobody is trusted in its stead.
 */
export async function resolveProxies(proxies: string[]): Promise<string[]> {
  const resolved = await Promise.all(
    proxies.map(async (proxy) => {
      if (proxy.includes("/") || isIP(proxy)) return [proxy];
      const found = await lookup(proxy, { all: true }).catch(() => []);
      return found.map((a) => a.address);
    }),
  );
  return resolved.flat();
}

export function clientAddress(peer: string | undefined, forwardedFor: string | undefined, trusted: BlockList): string {
  let client = plain(peer ?? "unknown");
  if (!forwardedFor) return client;
  const hops = forwardedFor
    .split(",")
    .map((hop) => plain(hop.trim()))
    .filter(Boolean);
  while (hops.length && trusted.check(client, family(client))) client = hops.pop()!;
  return client;
}
