// scripts/report-deploy.sh (curl only) against a real deploy exporter, with awkward strings.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, launchExporter, stopAll, type Proc } from "@opsdeck/stack";
import { getJson, tempDir, TOKEN, writeConfig, type TestConfig } from "@opsdeck/stack/testkit";

const exec = promisify(execFile);
let cfg: TestConfig;
const procs: Proc[] = [];
beforeAll(async () => {
  cfg = await writeConfig(tempDir("report"));
  procs.push(await launchExporter("deploy", { configFile: cfg.file, url: cfg.urls.deploy }));
});
afterAll(() => stopAll(procs));

const report = async (...args: string[]) =>
  (
    await exec("sh", [join(REPO, "scripts/report-deploy.sh"), ...args], {
      env: {
        ...process.env,
        OPSDECK_URL: cfg.urls.deploy,
        OPSDECK_DEPLOY_TOKEN: TOKEN,
        OPSDECK_BRANCH: "main",
        OPSDECK_ACTOR: 'Li "Ops"',
        OPSDECK_HOSTS: "app-1,app-2",
      },
    })
  ).stdout.trim();

describe("scripts/report-deploy.sh", () => {
  it("reports a whole deploy, escaping quotes, backslashes, tabs and newlines", async () => {
    const id = await report("start", "shop", "production", "1.2.3", "abcdef1234");
    expect(id).toMatch(/^shop-/);
    await report("step", id, "build", "running");
    await report("step", id, "build", "failed", 'npm ERR! "x"\\y\n\tat line 2');
    await report("step", id, "build", "failed"); // a retried call: idempotent
    await report("log", id, "warn", "disk 91% full");
    await report("finish", id, "failed");
    const d = await getJson(`${cfg.urls.deploy}/api/v1/deploys/${id}`);
    expect(d).toMatchObject({
      project: "shop",
      environment: "production",
      version: "1.2.3",
      commit: "abcdef1234",
      branch: "main",
      actor: 'Li "Ops"',
      hosts: ["app-1", "app-2"],
      status: "failed",
    });
    // The history kept to one of its servers finds it; to another server, not.
    const on = async (host: string) =>
      ((await getJson(`${cfg.urls.deploy}/api/v1/deploys?host=${host}`)) as { deploys: { id: string }[] }).deploys.map(
        (x) => x.id,
      );
    expect(await on("app-2")).toContain(id);
    expect(await on("app-3")).not.toContain(id);
    expect(d.steps).toHaveLength(1);
    expect(d.steps[0]).toMatchObject({ name: "build", status: "failed", log: 'npm ERR! "x"\\y\n\tat line 2' });
    expect(d.logs[0]).toMatchObject({ level: "warn", message: "disk 91% full" });
  });

  it("fails loudly on a bad call", async () => {
    await expect(report("finish", "no-such-deploy", "failed")).rejects.toThrow(/404/);
    await expect(report("start")).rejects.toThrow(/usage/);
  });
});
