// kill -9 the notifier in the middle of a flood: every alert acknowledged to the sender is
// delivered after the restart, and nothing is sent twice beyond the one message that was in
// flight (at-least-once).
import { afterAll, describe, expect, it } from "vitest";
import { eventually, post } from "@opsdeck/stack/testkit";
import { amAlert, amPayload, notifierEnv, type NotifierEnv } from "./harness.ts";
import { dingtalkStandin } from "@opsdeck/stack/chat-standins";

let env: NotifierEnv;
let ding: Awaited<ReturnType<typeof dingtalkStandin>>;
afterAll(async () => {
  await env?.proc.stop();
  await ding?.close();
});

describe("kill -9 loses no acknowledged alert", () => {
  it("delivers every acknowledged alert after a restart", async () => {
    ding = await dingtalkStandin({ robot: {} }, { ratePerMinute: 600 });
    env = await notifierEnv({
      channels: { robot: { type: "dingtalk", access_token: "robot", base_url: ding.url, rate_per_minute: 600 } },
      receivers: { default: { channels: ["robot"] } },
    });
    const acked: string[] = [];
    let sent = 0;
    let stop = false;
    // Killed in the middle of the flood: once 50 alerts are acknowledged, however long that takes.
    const killAt = 50;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (!stop) {
          const name = `Kill${String(sent++).padStart(5, "0")}`;
          try {
            const res = await post(`${env.url}/api/v1/alerts`, amPayload("default", [amAlert(name)]));
            if (res.status === 200) acked.push(name);
            if (acked.length === killAt && !stop) {
              stop = true;
              process.kill(-env.proc.child.pid!, "SIGKILL");
            }
          } catch {
            /* died with the process: not acknowledged */
          }
        }
      }),
    );
    await env.proc.exited;
    expect(acked.length).toBeGreaterThanOrEqual(killAt);

    await env.start();
    const named = (m: { text: string }) => m.text.match(/Kill\d{5}/g) ?? [];
    await eventually(
      async () => {
        const seen = new Set(ding.received.flatMap(named));
        return acked.filter((n) => !seen.has(n)).length;
      },
      (missing) => missing === 0,
      60_000,
    );
    const all = ding.received.flatMap((m) => [...new Set(named(m))]);
    const twice = all.length - new Set(all).size;
    const largest = Math.max(...ding.received.map((m) => new Set(named(m)).size));
    expect(twice).toBeLessThanOrEqual(largest);
  });
});
