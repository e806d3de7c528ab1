import { describe, expect, it } from "vitest";
import { alertsPath, matchersText } from "@opsdeck/contracts";
import { parseMatchers } from "./matchers.ts";

describe("alert filter matchers", () => {
  it("takes Alertmanager's four operators, with or without braces", () => {
    expect(parseMatchers('{team="business", severity=~"crit.*"}')).toMatchObject({
      ok: true,
      matchers: ['team="business"', 'severity=~"crit.*"'],
      parts: [
        { name: "team", op: "=", value: "business" },
        { name: "severity", op: "=~", value: "crit.*" },
      ],
    });
    expect(parseMatchers(' app!="shop",host!~"db\\"1"')).toMatchObject({
      ok: true,
      matchers: ['app!="shop"', 'host!~"db\\"1"'],
      parts: [{ value: "shop" }, { value: 'db"1' }],
    });
    expect(parseMatchers("")).toEqual({ ok: true, matchers: [], parts: [] });
  });

  it("reads back exactly the labels a chat message's acknowledge link carries", () => {
    const labels = { alertname: "PM2ProcessDown", app: 'shop "eu"', path: "C:\\logs" };
    const parsed = parseMatchers(matchersText(labels));
    expect(parsed.ok && Object.fromEntries(parsed.parts.map((m) => [m.name, m.value]))).toEqual(labels);
    expect(new URL(alertsPath(labels, { ack: true }), "http://x").searchParams.get("ack")).toBe("1");
  });

  it("says where a bad matcher starts", () => {
    expect(parseMatchers('team="x", sev=critical')).toEqual({
      ok: false,
      error: expect.stringMatching(/^position 10:/),
    });
    expect(parseMatchers('1team="x"')).toMatchObject({ ok: false });
    expect(parseMatchers('team="x" junk')).toMatchObject({ ok: false });
  });
});
