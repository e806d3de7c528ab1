// The notifier's question to the portal, against a local HTTP server standing in for the portal's
// GET /api/changes/summary: asked once per group, waited for no longer than the budget, and a
// late, refused or malformed answer leaves the line out.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChangeSummary } from "@opsdeck/contracts";
import { changeQuery, createChangeLookup, type LookupResult } from "./changes.ts";
import type { Notification } from "./model.ts";

const answer: ChangeSummary = {
  top: { kind: "deploy", minutes_before: 4, title: "shop v2", project: "shop", version: "v2", hosts: [], reasons: [] },
  new_errors: { since: "v2", kinds: 2 },
  complete: true,
};

let server: Server;
let base = "";
const asked: string[] = [];
let delayMs = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    asked.push(req.url!);
    if (req.headers.authorization !== "Bearer t0ken") return void res.writeHead(401).end("{}");
    const body = req.url!.includes("alertname=Malformed") ? { top: "nope" } : answer;
    setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body)), delayMs);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => void server.close());

const notification = (alertname: string, o: Partial<Notification> = {}, status: "firing" | "resolved" = "firing") =>
  ({
    id: `${alertname}-${Math.random()}`,
    kind: "alert",
    received_at: 0,
    receiver: "default",
    channels: ["c"],
    payload: {
      version: "4",
      groupKey: alertname,
      truncatedAlerts: 0,
      status,
      receiver: "default",
      groupLabels: { alertname },
      commonLabels: {},
      commonAnnotations: {},
      externalURL: "",
      alerts: [
        {
          status,
          labels: { alertname, project: "shop", host: "web-1", severity: "critical" },
          annotations: {},
          startsAt: "2026-12-05T10:00:00Z",
          endsAt: "0001-01-01T00:00:00Z",
          generatorURL: "",
          fingerprint: "f",
        },
      ],
    },
    ...o,
  }) as Notification;

function lookup(token = "t0ken", timeoutMs = 300) {
  const results: LookupResult[] = [];
  const l = createChangeLookup(
    () => ({ portalUrl: base, token, timeoutMs }),
    (r) => results.push(r),
  );
  return { l, results };
}

describe("the notifier's 'what changed?' question", () => {
  it("asks for firing alerts' groups only, scoped by their start and labels", () => {
    const q = changeQuery(notification("A"))!;
    expect(Object.fromEntries(q)).toEqual({
      at: String(Date.parse("2026-12-05T10:00:00Z")),
      project: "shop",
      host: "web-1",
      alertname: "A",
    });
    expect(changeQuery(notification("A", {}, "resolved"))).toBeUndefined();
    // A group that grew: two apps' crash loops on one host. Scoped by what both share, and asked
    // about the time before the newest (the deploy that broke the second app came after the first's).
    const grown = notification("A");
    const [older] = grown.payload.alerts;
    grown.payload.alerts = [
      { ...older, labels: { alertname: "A", app: "demo-worker", host: "web-1" } },
      { ...older, labels: { alertname: "A", app: "demo-shop", host: "web-1" }, startsAt: "2026-12-05T11:30:00Z" },
      {
        ...older,
        status: "resolved",
        labels: { alertname: "A", app: "billing", host: "web-2" },
        startsAt: "2026-12-05T12:00:00Z",
      },
    ];
    expect(Object.fromEntries(changeQuery(grown)!)).toEqual({
      at: String(Date.parse("2026-12-05T11:30:00Z")),
      host: "web-1",
      alertname: "A",
    });
    expect(changeQuery(notification("A", { kind: "system" }))).toBeUndefined();
  });

  it("asks once per group, however many channels send it", async () => {
    const { l, results } = lookup();
    const n = notification("Once");
    await l.prepare([n]);
    await l.prepare([{ ...n, id: "other-channel" }]);
    expect(asked.filter((u) => u.includes("alertname=Once"))).toHaveLength(1);
    expect(l.get(n)).toEqual(answer);
    expect(results).toEqual(["added", "added"]);
  });

  it("waits no longer than its budget; the late answer serves the next message", async () => {
    delayMs = 1_000;
    const { l, results } = lookup("t0ken", 200);
    const n = notification("Slow");
    const started = Date.now();
    await l.prepare([n]);
    expect(Date.now() - started).toBeLessThan(600);
    expect(l.get(n)).toBeUndefined();
    expect(results).toEqual(["late"]);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(l.get(n)).toEqual(answer);
    delayMs = 0;
  });

  it("leaves the line out when the portal refuses the token or answers nonsense", async () => {
    const refused = lookup("wrong");
    await refused.l.prepare([notification("Refused")]);
    expect(refused.l.get(notification("Refused"))).toBeUndefined();
    expect(refused.results).toEqual(["failed"]);
    const malformed = lookup();
    await malformed.l.prepare([notification("Malformed")]);
    expect(malformed.l.get(notification("Malformed"))).toBeUndefined();
    expect(malformed.results).toEqual(["failed"]);
  });

  it("asks nothing without a portal address", async () => {
    const before = asked.length;
    const l = createChangeLookup(() => ({ token: "t0ken", timeoutMs: 100 }));
    await l.prepare([notification("NoPortal")]);
    expect(asked.length).toBe(before);
  });
});
