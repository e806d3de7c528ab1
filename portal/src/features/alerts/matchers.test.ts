import { describe, expect, it } from "vitest";
import { parseMatchers } from "./matchers.ts";

describe("alert filter matchers", () => {
  it("takes Alertmanager's four operators, with or without braces", () => {
    expect(parseMatchers('{team="business", severity=~"crit.*"}')).toEqual({
      ok: true,
      matchers: ['team="business"', 'severity=~"crit.*"'],
    });
    expect(parseMatchers(' app!="shop",host!~"db\\"1"')).toEqual({
      ok: true,
      matchers: ['app!="shop"', 'host!~"db\\"1"'],
    });
    expect(parseMatchers("")).toEqual({ ok: true, matchers: [] });
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
