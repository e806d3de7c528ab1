import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "@opsdeck/stack/testkit";
import { hostSchema } from "../config/hosts.ts";
import { mergeHosts, readHostsFile, writeHostsFile } from "./host-list.ts";

const host = (name: string) => hostSchema.parse({ name, address: "10.0.0.1" });

describe("the hosts file", () => {
  it("is empty until written, and reads back each change at once", () => {
    const file = join(tempDir("hosts-file"), "hosts.yml");
    expect(readHostsFile(file)).toEqual([]);
    writeHostsFile(file, [host("app-1")]);
    expect(readHostsFile(file).map((h) => h.name)).toEqual(["app-1"]);
    writeHostsFile(file, [host("app-2")]); // same size, written within the same millisecond
    expect(readHostsFile(file).map((h) => h.name)).toEqual(["app-2"]);
  });

  it("names the file, the entry and the problem when a hand edit breaks it", () => {
    const file = join(tempDir("hosts-file"), "hosts.yml");
    writeFileSync(file, "hosts:\n  - { name: app-1, address: 'http://x:1' }\n");
    expect(() => readHostsFile(file)).toThrow(`${file}: hosts.0.address: a host name or IP address`);
    writeFileSync(file, "hosts: [\n");
    expect(() => readHostsFile(file)).toThrow(/not YAML/);
  });

  it("lets opsdeck.yml win a name listed in both", () => {
    const merged = mergeHosts([host("app-1")], [{ ...host("app-1"), address: "10.9.9.9" }, host("app-2")]);
    expect(merged.map((h) => [h.name, h.address, h.source])).toEqual([
      ["app-1", "10.0.0.1", "opsdeck.yml"],
      ["app-2", "10.0.0.1", "hosts file"],
    ]);
  });
});
