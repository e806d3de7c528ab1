// The acknowledgement keeper against a real Alertmanager: an ack is renewed while its alert
// fires, ended once the alert resolves, and plain silences are left alone.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, REPO, renderAlertmanagerConfig, startAlertmanager, type Proc } from "@opsdeck/stack";
import { tempDir } from "@opsdeck/stack/testkit";
import { keepAcks } from "../src/features/alerts/acks.ts";
import type { AmSilence } from "../src/lib/sources.ts";

const dir = tempDir("acks");
let am: { proc: Proc; url: string };

beforeAll(async () => {
  writeFileSync(join(dir, "token"), "t");
  const config = await renderAlertmanagerConfig({
    source: join(REPO, "alertmanager/alertmanager.yml"),
    notifierUrl: "http://127.0.0.1:9",
    tokenFile: join(dir, "token"),
  });
  am = await startAlertmanager({ dir, port: await freePort(), config });
});
afterAll(() => am?.proc.stop());

const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(am.url + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.ok).toBe(true);
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
};
const fire = (alertname: string, endsInMs: number) =>
  api("POST", "/api/v2/alerts", [
    {
      labels: { alertname, severity: "warning" },
      startsAt: new Date(Date.now() - 60_000).toISOString(),
      endsAt: new Date(Date.now() + endsInMs).toISOString(),
    },
  ]);
const silence = async (alertname: string, comment: string) =>
  (
    (await api("POST", "/api/v2/silences", {
      matchers: [{ name: "alertname", value: alertname, isRegex: false, isEqual: true }],
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 30 * 60_000).toISOString(),
      createdBy: "ops",
      comment,
    })) as { silenceID: string }
  ).silenceID;
const get = async (id: string) => (await api("GET", `/api/v2/silence/${id}`)) as AmSilence;

describe("acknowledgement keeper", () => {
  it("renews an ack while its alert fires, in place", async () => {
    await fire("StillFiring", 3_600_000);
    const id = await silence("StillFiring", "ack: on it");
    // Nothing to do while the ack is young.
    expect((await keepAcks(am.url, 30)).filter((a) => a.silence.id === id)).toEqual([]);
    // Twenty minutes on, past half its life, it is renewed to 30 minutes from then.
    const later = Date.now() + 20 * 60_000;
    const done = (await keepAcks(am.url, 30, later)).filter((a) => a.silence.id === id);
    expect(done.map((a) => a.action)).toEqual(["renew"]);
    const s = await get(id);
    expect(s.status.state).toBe("active");
    expect(Date.parse(s.endsAt)).toBeGreaterThan(later + 29 * 60_000);
  });

  it("ends an ack once its alert resolved; leaves plain silences", async () => {
    await fire("Resolves", 1500);
    const ack = await silence("Resolves", "ack: restarting it");
    const plain = await silence("Resolves", "maintenance window");
    await new Promise((r) => setTimeout(r, 2500));
    // The first peer of a cluster down (nothing listens there): the next one does it.
    const done = await keepAcks(["http://127.0.0.1:9", am.url], 30);
    expect(done.filter((a) => a.silence.id === ack).map((a) => a.action)).toEqual(["end"]);
    expect(done.some((a) => a.silence.id === plain)).toBe(false);
    expect((await get(ack)).status.state).toBe("expired");
    expect((await get(plain)).status.state).toBe("active");
  });
});
