import { describe, expect, it } from "vitest";
import { decide, episodeOf, type AutomaticRun, type FiringAlert } from "./guardrails.ts";
import { actionsFor } from "./fits.ts";
import { recoveryAnnotations, ruleRecovery } from "./rule-action.ts";

const NOW = Date.parse("2026-12-06T12:00:00Z");
const MIN = 60_000;
const limits = { max_per_app_per_hour: 3, cooldown_minutes: 10 };

const alert = (over: Partial<FiringAlert> = {}, mode: "on" | "dry-run" = "on"): FiringAlert => ({
  fingerprint: "0123456789abcdef",
  startsAt: new Date(NOW - 2 * MIN).toISOString(),
  labels: { alertname: "PM2ProcessCrashLooping", app: "worker", app_instance: "1", host: "vm-1" },
  annotations: { summary: "x", ...recoveryAnnotations({ action: "restart", mode, resolve_within: "10m" }) },
  state: "active",
  ...over,
});
const run = (minutesAgo: number, over: Partial<AutomaticRun> = {}): AutomaticRun => ({
  episode: `other${minutesAgo}`,
  app: "worker",
  host: "vm-1",
  at: NOW - minutesAgo * MIN,
  dryRun: false,
  ...over,
});
const facts = { deploying: false, keyHosts: new Set(["vm-1"]), limits, now: NOW };

describe("automatic recovery guardrails", () => {
  it("runs the rule's action for the alert's instance, for real only when turned on", () => {
    expect(decide({ alert: alert(), runs: [], ...facts })).toMatchObject({
      do: "run",
      action: { kind: "restart", app: "worker", instance: 1 },
      dryRun: false,
    });
    expect(decide({ alert: alert({}, "dry-run"), runs: [], ...facts })).toMatchObject({ do: "run", dryRun: true });
    // A rule that names no action, or one not in the catalogue, does nothing.
    expect(decide({ alert: alert({ annotations: {} }), runs: [], ...facts })).toEqual({ do: "nothing" });
    expect(decide({ alert: alert({ annotations: { opsdeck_recovery: "exec /bin/sh" } }), runs: [], ...facts })).toEqual(
      { do: "nothing" },
    );
  });

  it("runs once per firing: the same episode is not run again, a new firing is", () => {
    const a = alert();
    expect(
      decide({
        alert: a,
        runs: [run(2, { episode: episodeOf(a) })],
        ...facts,
        limits: { ...limits, cooldown_minutes: 0 },
      }),
    ).toEqual({
      do: "nothing",
    });
    const next = alert({ startsAt: new Date(NOW).toISOString() });
    expect(decide({ alert: next, runs: [run(30, { episode: episodeOf(a) })], ...facts })).toMatchObject({ do: "run" });
  });

  it("stops a fourth restart of an app within the hour, counting only real runs on its host", () => {
    const three = [run(50), run(35), run(20)];
    expect(decide({ alert: alert(), runs: three, ...facts })).toMatchObject({
      do: "skip",
      reason: "rate-limit",
      detail: "3",
    });
    // The oldest left the hour: allowed again.
    expect(decide({ alert: alert(), runs: [run(61), run(35), run(20)], ...facts })).toMatchObject({ do: "run" });
    // Dry runs, other apps and other hosts do not count.
    const others = [run(50, { dryRun: true }), run(35, { app: "web" }), run(20, { host: "vm-2" }), run(15)];
    expect(decide({ alert: alert(), runs: others, ...facts })).toMatchObject({ do: "run" });
  });

  it("waits out the cool-down after the app's last run", () => {
    expect(decide({ alert: alert(), runs: [run(4)], ...facts })).toMatchObject({ do: "skip", reason: "cooldown" });
    expect(decide({ alert: alert(), runs: [run(11)], ...facts })).toMatchObject({ do: "run" });
  });

  it("never acts while the alert is acknowledged or silenced, or a deploy of the app runs (or may)", () => {
    expect(decide({ alert: alert({ state: "suppressed" }), runs: [], ...facts })).toMatchObject({
      do: "skip",
      reason: "suppressed",
    });
    expect(decide({ alert: alert(), runs: [], ...facts, deploying: true })).toMatchObject({
      do: "skip",
      reason: "deploying",
    });
    expect(decide({ alert: alert(), runs: [], ...facts, deploying: undefined })).toMatchObject({
      do: "skip",
      reason: "deploys-unknown",
    });
    // A dry run meets the same guardrails.
    expect(decide({ alert: alert({}, "dry-run"), runs: [], ...facts, deploying: true })).toMatchObject({
      reason: "deploying",
    });
  });

  it("acts only on a host it holds a key for, and only on an app the labels name", () => {
    expect(decide({ alert: alert(), runs: [], ...facts, keyHosts: new Set(["vm-2"]) })).toMatchObject({
      do: "skip",
      reason: "no-key-for-host",
    });
    const noApp = alert({ labels: { alertname: "DiskFilling", host: "vm-1" } });
    expect(decide({ alert: noApp, runs: [], ...facts })).toMatchObject({ do: "skip", reason: "no-app" });
    const hostile = alert({ labels: { alertname: "X", host: "vm-1", app: "web; rm -rf /" } });
    expect(decide({ alert: hostile, runs: [], ...facts })).toMatchObject({ do: "skip", reason: "no-app" });
  });

  it("reads a rule's action back from its annotations, and offers it by hand too", () => {
    const annotations = recoveryAnnotations({ action: "flush-logs", mode: "dry-run", resolve_within: "30m" });
    expect(ruleRecovery(annotations)).toEqual({ action: "flush-logs", mode: "dry-run", resolve_within: "30m" });
    expect(ruleRecovery({ ...annotations, opsdeck_recovery_mode: "yes please" })).toBeUndefined();
    // A runbook script the host lists, by name; never a path.
    const runbook = recoveryAnnotations({ action: "runbook:clear-cache", mode: "on", resolve_within: "5m" });
    expect(actionsFor({ alertname: "CacheFull", app: "shop", host: "vm-1" }, runbook)).toEqual([
      { kind: "runbook", name: "clear-cache", app: "shop" },
    ]);
    expect(ruleRecovery({ ...runbook, opsdeck_recovery: "runbook:../../bin/sh" })).toBeUndefined();
    // A team's own alert with no actions by name gets its rule's.
    expect(actionsFor({ alertname: "DiskFilling", app: "shop", host: "vm-1" }, annotations)).toEqual([
      { kind: "flush-logs", app: "shop" },
    ]);
    // Not twice when the name offers it already.
    const labels = { alertname: "PM2ProcessCrashLooping", app: "w", app_instance: "0", host: "vm-1" };
    expect(actionsFor(labels, recoveryAnnotations({ action: "restart", mode: "on", resolve_within: "10m" }))).toEqual(
      actionsFor(labels),
    );
  });
});
