import { describe, expect, it } from "vitest";
import { parseConfig } from "@opsdeck/core";
import { clientAddress, resolveProxies, trustedList } from "./client-address.ts";

describe("trusted proxies", () => {
  it("trusts loopback by default, where the native front door runs", () => {
    expect(parseConfig("{}", "test").portal.trusted_proxies).toEqual(["127.0.0.1", "::1"]);
  });

  it("looks host names up (the compose stack's nginx) and trusts nobody for a name that does not resolve", async () => {
    const resolved = await resolveProxies(["localhost", "10.0.0.0/8", "::1", "no-such-host.invalid"]);
    expect(resolved).toContain("127.0.0.1");
    expect(resolved).toContain("10.0.0.0/8");
    expect(resolved.filter((a) => a.includes("invalid"))).toEqual([]);
    const list = trustedList(resolved);
    expect(clientAddress("127.0.0.1", "203.0.113.5", list)).toBe("203.0.113.5");
    expect(clientAddress("192.0.2.1", "203.0.113.5", list)).toBe("192.0.2.1");
  });

  it("refuses a proxy that is neither an address, a range nor a host name", () => {
    expect(() => parseConfig("portal: { trusted_proxies: ['nginx; rm -rf'] }", "test")).toThrow(
      /IP address, CIDR range or host name/,
    );
  });
});
