// The ranking's rules, each on its own and together: the change an on-call engineer would blame
// first comes first, with the reasons that put it there.
import { describe, expect, it } from "vitest";
import { rankChanges, sameApp, type Change } from "./rank.ts";

const T = Date.parse("2026-12-05T10:00:00Z");
const min = 60_000;
const HOURS_6 = 6 * 60 * min;
const change = (c: Partial<Change> & Pick<Change, "kind" | "at" | "title">): Change => ({ hosts: [], ...c });
const alert = { startsAt: T, labels: { alertname: "PM2ProcessCrashLooping", app: "demo-shop", host: "app-1" } };

describe("what changed before an alert", () => {
  it("puts the deploy of the same app on the same host first, and says why", () => {
    const ranked = rankChanges(
      alert,
      [
        change({
          kind: "deploy",
          at: T - 12 * min,
          title: "shop v1.4.2",
          project: "shop",
          hosts: ["app-1"],
          result: "succeeded",
        }),
        change({
          kind: "deploy",
          at: T - 5 * min,
          title: "billing v9",
          project: "billing",
          hosts: ["app-2"],
          result: "succeeded",
        }),
        change({ kind: "config", at: T - 1 * min, title: "silence-created" }),
        change({
          kind: "restart",
          at: T - 180 * min,
          title: "demo-shop ×1",
          app: "demo-shop",
          hosts: ["app-1"],
          count: 1,
        }),
      ],
      HOURS_6,
    );
    expect(ranked.map((r) => r.title)).toEqual(["shop v1.4.2", "demo-shop ×1", "billing v9", "silence-created"]);
    expect(ranked[0]).toMatchObject({ minutesBefore: 12, reasons: ["same_app", "same_host"] });
    expect(ranked[2].reasons).toEqual([]);
  });

  it("leaves out what happened before the window or after the alert began", () => {
    const ranked = rankChanges(
      alert,
      [
        change({ kind: "deploy", at: T - HOURS_6 - min, title: "too early", project: "shop" }),
        change({ kind: "deploy", at: T + 2 * min, title: "too late", project: "shop" }),
        change({ kind: "deploy", at: T + 30_000, title: "within a minute", project: "shop" }),
      ],
      HOURS_6,
    );
    expect(ranked.map((r) => r.title)).toEqual(["within a minute"]);
    expect(ranked[0].minutesBefore).toBe(0);
  });

  it("ranks a failed deploy above a successful one of the same age, and a nearer one above an older", () => {
    const at = T - 30 * min;
    const ranked = rankChanges(
      { startsAt: T, labels: { project: "shop", environment: "production" } },
      [
        change({ kind: "deploy", at, title: "ok", project: "shop", environment: "production", result: "succeeded" }),
        change({ kind: "deploy", at, title: "failed", project: "shop", environment: "production", result: "failed" }),
        change({ kind: "deploy", at: T - 300 * min, title: "older", project: "shop", environment: "production" }),
      ],
      HOURS_6,
    );
    expect(ranked.map((r) => r.title)).toEqual(["failed", "ok", "older"]);
    expect(ranked[0].reasons).toEqual(["same_project", "same_environment", "failed"]);
  });

  it("puts a deploy above the restarts it caused, whether or not it said where it went", () => {
    // The crash loop the alert is about began 2 minutes after the deploy, as the alert did.
    const restarts = [
      change({ kind: "restart", at: T - min, title: "demo-shop ×6", app: "demo-shop", hosts: ["app-1"], count: 6 }),
      change({ kind: "restart", at: T - 40 * min, title: "demo-worker ×3", app: "demo-worker", hosts: ["app-1"] }),
    ];
    const deploy = change({ kind: "deploy", at: T - 3 * min, title: "shop v1.4.3", project: "shop" });
    for (const hosts of [[], ["app-1"]]) {
      const ranked = rankChanges(alert, [...restarts, { ...deploy, hosts }], HOURS_6);
      expect(ranked.map((r) => r.title)).toEqual(["shop v1.4.3", "demo-shop ×6", "demo-worker ×3"]);
      expect(ranked[0].reasons).toContain("restarts_after");
    }
    // Scoped by the host alone (a group of several apps' alerts), the deploy still leads.
    const byHost = rankChanges({ startsAt: T, labels: { host: "app-1" } }, [...restarts, deploy], HOURS_6);
    expect(byHost[0]).toMatchObject({ title: "shop v1.4.3", reasons: ["restarts_after"] });
    // The deploy before it (its restarts began after 1.4.3 replaced it) gets no such credit.
    const earlier = change({ ...deploy, at: T - 30 * min, title: "shop v1.4.2" });
    const both = rankChanges(alert, [...restarts, deploy, earlier], HOURS_6);
    expect(both.find((r) => r.title === "shop v1.4.2")!.reasons).not.toContain("restarts_after");
    // Restarts before the deploy, or of another app, or on a host it did not go to, are not its own.
    const before = change({ ...restarts[0], at: T - 10 * min });
    const elsewhere = change({ ...restarts[0], hosts: ["app-2"] });
    for (const other of [before, restarts[1], elsewhere])
      expect(
        rankChanges(alert, [other, { ...deploy, hosts: ["app-1"] }], HOURS_6).find((r) => r.kind === "deploy")!.reasons,
      ).not.toContain("restarts_after");
  });

  it("takes an app for a project when the project's name is one of its words", () => {
    expect(sameApp("demo-shop", "shop")).toBe(true);
    expect(sameApp("shop", "shop")).toBe(true);
    expect(sameApp("shopping-cart", "shop")).toBe(false);
    expect(sameApp(undefined, "shop")).toBe(false);
  });
});
