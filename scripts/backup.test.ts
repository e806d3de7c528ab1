// scripts/backup.sh and restore.sh on the native layout (what npm start keeps in .opsdeck/), with
// the real Prometheus and Elasticsearch: back up, lose the data, restore — and it is all there.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "@opsdeck/core";
import { esClient } from "@opsdeck/core/elastic";
import {
  freePort,
  promQuery,
  REPO,
  renderPrometheusConfig,
  startElasticsearch,
  startPrometheus,
  type Proc,
} from "@opsdeck/stack";
import { eventually, tempDir } from "@opsdeck/stack/testkit";

const run = promisify(execFile);
const stack = tempDir("backup-stack");
const procs: Proc[] = [];
afterAll(async () => {
  for (const p of procs) await p.stop();
});

async function prometheus(port: number) {
  const config = await renderPrometheusConfig({
    source: join(REPO, "provisioning/prometheus/prometheus.yml"),
    targets: { prometheus: [`127.0.0.1:${port}`] },
    scrapeInterval: "1s",
    ruleFiles: [],
  });
  const p = await startPrometheus({
    dir: join(stack, "prometheus"),
    port,
    config,
    extraArgs: ["--web.enable-admin-api"],
  });
  procs.push(p.proc);
  return p;
}

const script = (name: string, args: string[], env: Record<string, string>) =>
  run("bash", [join(REPO, "scripts", name), ...args], { env: { ...process.env, ...env, OPSDECK_STACK_DIR: stack } });

describe("backup and restore", () => {
  it("brings back the journals, Prometheus' series and Elasticsearch's indices", async () => {
    const promPort = await freePort();
    const es = await startElasticsearch({
      dir: join(stack, "elasticsearch"),
      port: await freePort(),
      snapshotDir: join(stack, "elasticsearch", "snapshots"),
    });
    procs.push(es.proc);
    let prom = await prometheus(promPort);
    const env = { PROMETHEUS_URL: prom.url, ELASTICSEARCH_URL: es.url };
    const client = esClient(parseConfig(`elasticsearch:\n  url: ${es.url}\n`, "test"));
    await client.index({ index: "opsdeck-logs-2026.12.01", document: { message: "kept" }, refresh: true });
    mkdirSync(join(stack, "data", "deploy"), { recursive: true });
    writeFileSync(join(stack, "data", "deploy", "journal.jsonl"), '{"t":"start","id":"web-42"}\n');
    const scraped = await eventually(
      () => promQuery(prom.url, "prometheus_build_info"),
      (r) => r.length > 0,
      20_000,
    );
    const at = scraped[0].value[0];

    const backup = join(tempDir("backup"), "b1");
    const { stdout } = await script("backup.sh", [backup], env);
    expect(stdout).toContain(`backup: done → ${backup}`);
    const manifest = readFileSync(join(backup, "manifest"), "utf8");
    expect(manifest).toMatch(/^prometheus: snapshot \S+$/m);
    expect(manifest).toMatch(/^elasticsearch: snapshot opsdeck-\d{8}-\d{6}$/m);
    expect(manifest).toMatch(/^journals: opsdeck-data.tar.gz$/m);
    await expect(script("backup.sh", [backup], env)).rejects.toThrow(/exists; give a new directory/);

    // Disaster: the journal changed, the index gone, Prometheus' data wiped.
    writeFileSync(join(stack, "data", "deploy", "journal.jsonl"), "lost\n");
    await client.indices.delete({ index: "opsdeck-logs-2026.12.01" });
    await expect(script("restore.sh", [backup], env)).rejects.toThrow(/stop the stack first/);
    await prom.proc.stop();
    const restored = await script("restore.sh", [backup], env);
    expect(restored.stdout).toContain(`scripts/restore.sh --elasticsearch ${backup}`);
    expect(readFileSync(join(stack, "data", "deploy", "journal.jsonl"), "utf8")).toBe('{"t":"start","id":"web-42"}\n');

    prom = await prometheus(promPort);
    const before = await fetch(`${prom.url}/api/v1/query?query=prometheus_build_info&time=${at}`);
    expect(((await before.json()) as { data: { result: unknown[] } }).data.result.length).toBe(1);

    // Filebeat keeps writing while the stack runs: a line into the snapshot's index every 20 ms,
    // each re-creating it if deleted — which made restore.sh's restore fail, as it did in CI.
    let writing = true;
    let writes = 0;
    const writer = (async () => {
      while (writing) {
        await client.index({ index: "opsdeck-logs-2026.12.01", document: { message: "during the restore" } }).then(
          () => writes++,
          () => writes++,
        );
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await client.index({ index: "opsdeck-logs-2026.11.30", document: { message: "not in the backup" } });
    try {
      await script("restore.sh", ["--elasticsearch", backup], env);
    } finally {
      writing = false;
      await writer;
    }
    expect(writes).toBeGreaterThan(0);
    await client.indices.refresh({ index: "opsdeck-logs-*" });
    const found = await client.search({ index: "opsdeck-logs-*", query: { match: { message: "kept" } } });
    expect(found.hits.hits.length).toBe(1);
    // The indices the backup did not hold are gone, as before.
    expect(await client.indices.exists({ index: "opsdeck-logs-2026.11.30" })).toBe(false);
  }, 240_000);
});
