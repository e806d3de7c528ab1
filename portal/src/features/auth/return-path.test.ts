import { describe, expect, it } from "vitest";
import { returnPath } from "./return-path.ts";

describe("the return path after sign-in", () => {
  it("keeps a path on this site, with its query and fragment", () => {
    expect(returnPath("/grafana/d/opsdeck-host?from=now-6h&to=now")).toBe("/grafana/d/opsdeck-host?from=now-6h&to=now");
    expect(returnPath("/alerts#group-1")).toBe("/alerts#group-1");
    expect(returnPath("/a/../deploys")).toBe("/deploys");
  });

  it("never leaves the site", () => {
    for (const next of [
      "https://evil.example/",
      "//evil.example/x",
      "/\\evil.example",
      "\\\\evil.example",
      "javascript:alert(1)",
      "/\tevil",
      "/%0d%0aSet-Cookie:x",
      "",
      undefined,
      null,
      `/${"a".repeat(3000)}`,
    ])
      expect([next, returnPath(next)]).toEqual([next, next === "/%0d%0aSet-Cookie:x" ? next : "/"]);
  });
});
