// kill -9 in the middle of a stream of acknowledged events: after a restart every acknowledged
// event is there, and none twice.
import { afterEach, describe, expect, it } from "vitest";
import { launchExporter, stopAll, type Proc } from "@opsdeck/stack";
import { getJson, post, scrape, tempDir, writeConfig, type TestConfig } from "@opsdeck/stack/testkit";

const procs: Proc[] = [];
afterEach(async () => {
  await stopAll(procs.splice(0));
});

/**
 * Sends from `workers` concurrent senders and kills the server once `killAfterAcks` items are
 * acknowledged (however long that takes: a property, not a speed); returns what was acknowledged.
 */
async function stream(
  send: (i: number) => Promise<boolean>,
  opts: { workers: number; killAfterAcks: number; kill: () => void },
) {
  const acked: number[] = [];
  let sent = 0;
  let stop = false;
  await Promise.all(
    Array.from({ length: opts.workers }, async () => {
      while (!stop) {
        const i = sent++;
        try {
          if (await send(i)) acked.push(i);
          if (acked.length >= opts.killAfterAcks && !stop) {
            stop = true;
            opts.kill();
          }
        } catch {
          /* the connection died with the process: not acknowledged */
        }
      }
    }),
  );
  return { acked, sent };
}

const kill9 = (p: Proc) => () => process.kill(-p.child.pid!, "SIGKILL");

async function restart(kind: "deploy" | "business", cfg: TestConfig) {
  const p = await launchExporter(kind, { configFile: cfg.file, url: cfg.urls[kind] });
  procs.push(p);
  return p;
}

describe("kill -9 loses nothing acknowledged", () => {
  it("business exporter", async () => {
    const cfg = await writeConfig(tempDir("dur-business"));
    const first = await restart("business", cfg);
    const event = (i: number) => ({ metric: "shop_orders_total", labels: { channel: "web" }, event_id: `e${i}` });
    const batch = (i: number) => ({ events: [event(2 * i), event(2 * i + 1)] });
    const { acked, sent } = await stream(
      async (i) => (await post(`${cfg.urls.business}/api/v1/events`, batch(i))).status === 200,
      { workers: 8, killAfterAcks: 50, kill: kill9(first) },
    );
    await first.exited;
    expect(acked.length).toBeGreaterThanOrEqual(50);

    await restart("business", cfg);
    const after = (await scrape(cfg.urls.business)).get('shop_orders_total{channel="web"}')!;
    // Everything acknowledged is there; at most the in-flight batches beyond it.
    expect(after).toBeGreaterThanOrEqual(acked.length * 2);
    expect(after).toBeLessThanOrEqual(sent * 2);
    // Sending every batch again adds exactly the ones that never reached the disk: none twice.
    for (let i = 0; i < sent; i += 1) await post(`${cfg.urls.business}/api/v1/events`, batch(i));
    expect((await scrape(cfg.urls.business)).get('shop_orders_total{channel="web"}')).toBe(sent * 2);
  });

  it("deploy exporter", async () => {
    const cfg = await writeConfig(tempDir("dur-deploy"));
    const first = await restart("deploy", cfg);
    const body = (i: number) => ({ id: `d${i}`, event_id: `start-${i}`, project: "shop", environment: "prod" });
    const { acked, sent } = await stream(
      async (i) => {
        const started = await post(`${cfg.urls.deploy}/api/v1/deploys`, body(i));
        if (started.status !== 201) return false;
        return (
          (await post(`${cfg.urls.deploy}/api/v1/deploys/d${i}/finish`, { result: "succeeded", event_id: `fin-${i}` }))
            .status === 200
        );
      },
      { workers: 8, killAfterAcks: 50, kill: kill9(first) },
    );
    await first.exited;
    expect(acked.length).toBeGreaterThan(20);

    await restart("deploy", cfg);
    for (const i of acked) {
      const d = await getJson(`${cfg.urls.deploy}/api/v1/deploys/d${i}`);
      expect(d.status, `d${i}`).toBe("succeeded");
    }
    const total = () =>
      scrape(cfg.urls.deploy).then((m) =>
        m.get('opsdeck_deployments_total{project="shop",environment="prod",result="succeeded"}')!,
      );
    expect(await total()).toBeGreaterThanOrEqual(acked.length);
    for (let i = 0; i < sent; i++) {
      await post(`${cfg.urls.deploy}/api/v1/deploys`, body(i));
      await post(`${cfg.urls.deploy}/api/v1/deploys/d${i}/finish`, { result: "succeeded", event_id: `fin-${i}` });
    }
    expect(await total()).toBe(sent);
  });
});
