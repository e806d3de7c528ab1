// Maintenance windows as Alertmanager silences: the scope becomes equality matchers, the window
// reads back from the silence, and it covers exactly the probes whose labels it names.
import { describe, expect, it } from "vitest";
import { coversProbe, MAINTENANCE_PREFIX, windowRequestSchema, windowSilence, windowsFrom } from "./windows.ts";

const NOW = Date.parse("2026-12-05T10:00:00Z");

describe("maintenance windows", () => {
  it("turns a request into a silence of its scope, from now or later", () => {
    const request = windowRequestSchema.parse({
      title: "升级",
      scope: { project: "shop", environment: "prod" },
      minutes: 30,
    });
    expect(windowSilence(request, "ci", NOW)).toEqual({
      matchers: [
        { name: "project", value: "shop", isRegex: false, isEqual: true },
        { name: "environment", value: "prod", isRegex: false, isEqual: true },
      ],
      startsAt: "2026-12-05T10:00:00.000Z",
      endsAt: "2026-12-05T10:30:00.000Z",
      createdBy: "ci",
      comment: `${MAINTENANCE_PREFIX}升级`,
    });
    const later = windowSilence({ ...request, starts_at: "2026-12-05T20:00:00+08:00" }, "ops", NOW);
    expect([later.startsAt, later.endsAt]).toEqual(["2026-12-05T12:00:00.000Z", "2026-12-05T12:30:00.000Z"]);
    expect(() => windowSilence({ ...request, starts_at: "2026-12-05T08:00:00Z" }, "ops", NOW)).toThrow("in the past");
    expect(() => windowSilence({ ...request, starts_at: "2027-02-01T00:00:00Z" }, "ops", NOW)).toThrow("30 days");
  });

  it("refuses a window without a scope, an unknown label or a length over a week", () => {
    const issues = (body: unknown) => windowRequestSchema.safeParse(body).error?.issues.map((i) => i.path.join("."));
    expect(issues({ title: "x", scope: {}, minutes: 5 })).toEqual(["scope"]);
    expect(issues({ title: "x", scope: { alertname: "HostDown" }, minutes: 5 })).toEqual(["scope", "scope"]);
    expect(issues({ title: "x", scope: { probe: "a" }, minutes: 7 * 24 * 60 + 1 })).toEqual(["minutes"]);
    expect(issues({ title: " ", scope: { probe: "a" }, minutes: 5 })).toEqual(["title"]);
  });

  it("reads windows back from Alertmanager's silences, leaving ordinary silences and acks out", () => {
    const silence = (comment: string, state: "active" | "pending" | "expired" = "active") => ({
      id: comment,
      matchers: [{ name: "probe", value: "shop-home", isRegex: false, isEqual: true }],
      createdBy: "ops",
      comment,
      startsAt: "2026-12-05T10:00:00Z",
      endsAt: "2026-12-05T11:00:00Z",
      status: { state },
    });
    const windows = windowsFrom([
      silence("noisy disk"),
      silence("[ack] looking"),
      silence(`${MAINTENANCE_PREFIX}升级`, "pending"),
    ]);
    expect(windows).toEqual([
      {
        id: `${MAINTENANCE_PREFIX}升级`,
        title: "升级",
        scope: { probe: "shop-home" },
        startsAt: "2026-12-05T10:00:00Z",
        endsAt: "2026-12-05T11:00:00Z",
        createdBy: "ops",
        state: "pending",
      },
    ]);
  });

  it("covers a probe by its name, its labels, or the host and app it depends on — all of the scope", () => {
    const probe = { name: "shop-home", labels: { project: "shop" }, dependsOnHost: "web-1", dependsOnApp: "shop-api" };
    expect(coversProbe({ scope: { probe: "shop-home" } }, probe)).toBe(true);
    expect(coversProbe({ scope: { host: "web-1" } }, probe)).toBe(true);
    expect(coversProbe({ scope: { app: "shop-api", project: "shop" } }, probe)).toBe(true);
    expect(coversProbe({ scope: { project: "shop", environment: "prod" } }, probe)).toBe(false);
    expect(coversProbe({ scope: { host: "web-2" } }, probe)).toBe(false);
  });
});
