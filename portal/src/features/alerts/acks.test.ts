import { describe, expect, it } from "vitest";
import { ackActions, matches } from "./acks.ts";
import type { AmAlert, AmSilence } from "../../lib/sources.ts";

const NOW = Date.parse("2026-11-22T12:00:00Z");
const min = 60_000;
const silence = (id: string, endsIn: number, matchers: AmSilence["matchers"], comment = "ack: on it"): AmSilence => ({
  id,
  matchers,
  createdBy: "ops",
  comment,
  startsAt: new Date(NOW - 10 * min).toISOString(),
  endsAt: new Date(NOW + endsIn).toISOString(),
  status: { state: "active" },
});
const alert = (labels: Record<string, string>, endsAt?: number): AmAlert => ({
  fingerprint: Object.values(labels).join(),
  labels,
  annotations: {},
  startsAt: new Date(NOW - 20 * min).toISOString(),
  endsAt: endsAt === undefined ? undefined : new Date(endsAt).toISOString(),
  status: { state: "suppressed", silencedBy: [], inhibitedBy: [] },
});
const eq = (name: string, value: string) => ({ name, value, isRegex: false, isEqual: true });

describe("acknowledgements", () => {
  it("runs a catastrophic regex in linear time, as Alertmanager's RE2 does", () => {
    // V8's backtracking RegExp takes longer than the age of the universe on this one.
    const evil = { name: "app", value: "(.*){30}X", isRegex: true };
    expect(matches(evil, { app: "a".repeat(10_000) })).toBe(false);
    expect(matches({ name: "app", value: "(?<=x)a", isRegex: true }, { app: "xa" })).toBe(false); // not RE2: no match
  });

  it("matches as Alertmanager does: equality, anchored regex, negation", () => {
    expect(matches(eq("app", "shop"), { app: "shop" })).toBe(true);
    expect(matches(eq("app", "sho"), { app: "shop" })).toBe(false);
    expect(matches({ name: "app", value: "sh.p", isRegex: true }, { app: "shop" })).toBe(true);
    expect(matches({ name: "app", value: "sh", isRegex: true }, { app: "shop" })).toBe(false);
    expect(matches({ name: "app", value: "web", isRegex: false, isEqual: false }, { app: "shop" })).toBe(true);
    expect(matches(eq("missing", ""), { app: "shop" })).toBe(true);
  });

  it("renews an ack past half its life while its alert fires, leaves a fresh one alone", () => {
    const firing = [alert({ alertname: "DeployFailed", project: "shop" })];
    const old = silence("a", 10 * min, [eq("alertname", "DeployFailed"), eq("project", "shop")]);
    const fresh = silence("b", 25 * min, [eq("alertname", "DeployFailed")]);
    expect(ackActions([old, fresh], firing, 30, NOW)).toEqual([
      { silence: old, action: "renew", endsAt: new Date(NOW + 30 * min).toISOString() },
    ]);
  });

  it("ends an ack whose alert resolved, and never touches plain silences", () => {
    const resolved = [alert({ alertname: "DeployFailed", project: "shop" }, NOW - min)];
    const ack = silence("a", 20 * min, [eq("alertname", "DeployFailed")]);
    const plain = silence("b", 20 * min, [eq("alertname", "Gone")], "maintenance");
    expect(ackActions([ack, plain], resolved, 30, NOW)).toEqual([{ silence: ack, action: "end" }]);
    expect(ackActions([{ ...ack, status: { state: "expired" } }], [], 30, NOW)).toEqual([]);
  });
});
