import { describe, expect, it } from "vitest";
import { freePort, reservePorts } from "./procs.ts";

describe("freePort", () => {
  it("never hands out the same port twice, though none of them is bound yet", async () => {
    // 300 of 12,000 ports at random would repeat one ~98% of the time without the memory.
    const ports = [];
    for (let i = 0; i < 300; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(300);
  });

  it("does not pick a port reserved for a server that has not bound it yet", async () => {
    const reserved = Array.from({ length: 11_000 }, (_, i) => 20_000 + i);
    reservePorts(reserved);
    for (let i = 0; i < 20; i++) expect(await freePort()).toBeGreaterThanOrEqual(31_000);
  });
});
