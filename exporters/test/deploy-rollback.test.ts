// Roll back through the team's own deploy command (exporters.deploy.rollbacks), on the bundled
// deploy exporter: a bad version deployed, then a rollback to the previous successful one — the
// command really runs (a script that "deploys" by writing the version where the app reads it),
// with no shell and only the checked values in its arguments, and the rollback is a deploy like
// any other (history, log, DORA metrics). A failing command fails the deploy with its output.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchExporter, stopAll, type Proc } from "@opsdeck/stack";
import { eventually, getJson, post, scrape, tempDir, type TestConfig, writeConfig } from "@opsdeck/stack/testkit";

let cfg: TestConfig;
const procs: Proc[] = [];
const dir = tempDir("deploy-rollback");
const current = join(dir, "current-version");
const deployScript = join(dir, "deploy.cjs");

beforeAll(async () => {
  // "Deploys" a version: writes it where the app would read it, and says so; version "broken-*" fails.
  writeFileSync(
    deployScript,
    `const [project, env, version] = process.argv.slice(2);
if (version.startsWith("broken")) { console.error("cannot fetch " + version); process.exit(3); }
require("node:fs").writeFileSync(${JSON.stringify(current)}, version);
console.log("deployed " + project + "/" + env + " " + version + " as " + process.env.OPSDECK_DEPLOY_ID);
`,
  );
  cfg = await writeConfig(dir, {
    deploy: {
      rollbacks: [
        {
          project: "shop",
          environment: "production",
          command: ["node", deployScript, "{project}", "{environment}", "{version}"],
        },
        {
          project: "api",
          environment: "production",
          command: ["node", deployScript, "{project}", "{environment}", "{version}"],
        },
        {
          project: "web",
          environment: "production",
          command: ["node", deployScript, "{project}", "{environment}", "{version}"],
        },
      ],
    },
  });
  procs.push(await launchExporter("deploy", { configFile: cfg.file, url: cfg.urls.deploy }));
});
afterAll(() => stopAll(procs));

const deploy = async (project: string, version: string, result: "succeeded" | "failed", startedAt: number) => {
  const started = await post(`${cfg.urls.deploy}/api/v1/deploys`, {
    project,
    environment: "production",
    version,
    hosts: ["app-1"],
    started_at: new Date(startedAt).toISOString(),
  });
  await post(`${cfg.urls.deploy}/api/v1/deploys/${started.body.id}/finish`, { result });
  return started.body.id as string;
};

describe("roll back through the team's deploy command", () => {
  it("deploys the previous successful version again, as a deploy of its own", async () => {
    const t = Date.now() - 3_600_000;
    await deploy("shop", "1.4.0", "succeeded", t);
    await deploy("shop", "1.4.1", "failed", t + 60_000);
    await deploy("shop", "1.5.0", "succeeded", t + 120_000);
    const res = await post(`${cfg.urls.deploy}/api/v1/rollbacks`, {
      project: "shop",
      environment: "production",
      actor: "ops",
      reason: "crash loop after 1.5.0",
    });
    expect(res.status).toBe(202);
    // The newest successful version before the deployed one (the failed 1.4.1 is skipped).
    expect(res.body).toMatchObject({
      version: "1.4.0",
      from: "1.5.0",
      deploy: { status: "running", source: "opsdeck-rollback", actor: "ops" },
    });
    const done = await eventually(
      () => getJson(`${cfg.urls.deploy}/api/v1/deploys/${res.body.id}`),
      (d) => d.status !== "running",
    );
    expect(done).toMatchObject({ status: "succeeded", version: "1.4.0", hosts: ["app-1"], environment: "production" });
    expect(done.steps).toMatchObject([{ name: "roll back to 1.4.0", status: "succeeded" }]);
    const log = done.logs.map((l: { message: string }) => l.message).join("\n");
    expect(log).toContain("roll back from 1.5.0 to 1.4.0");
    expect(log).toContain(`deployed shop/production 1.4.0 as ${res.body.id}`);
    expect(readFileSync(current, "utf8")).toBe("1.4.0");
    // Counted like any deploy.
    const m = await scrape(cfg.urls.deploy);
    expect(m.get('opsdeck_deployments_total{project="shop",environment="production",result="succeeded"}')).toBe(3);
  });

  it("fails the deploy with the command's output when the command fails", async () => {
    const t = Date.now() - 3_600_000;
    await deploy("api", "broken-2", "succeeded", t);
    await deploy("api", "3.0.0", "succeeded", t + 60_000);
    const res = await post(`${cfg.urls.deploy}/api/v1/rollbacks`, {
      project: "api",
      environment: "production",
      actor: "ops",
    });
    expect(res.status).toBe(202);
    const done = await eventually(
      () => getJson(`${cfg.urls.deploy}/api/v1/deploys/${res.body.id}`),
      (d) => d.status !== "running",
    );
    expect(done.status).toBe("failed");
    const log = done.logs.map((l: { message: string }) => l.message).join("\n");
    expect(log).toContain("cannot fetch broken-2");
    expect(log).toContain("the rollback command exited with 3");
  });

  it("refuses what it cannot do, saying why", async () => {
    const ask = (body: unknown) => post(`${cfg.urls.deploy}/api/v1/rollbacks`, body);
    // No command configured for it.
    expect(await ask({ project: "blog", environment: "production", actor: "ops" })).toMatchObject({
      status: 404,
      body: { error: expect.stringContaining("no rollback command for blog/production") },
    });
    // Not while a deploy of it runs.
    const running = await post(`${cfg.urls.deploy}/api/v1/deploys`, {
      project: "shop",
      environment: "production",
      version: "1.6.0",
    });
    expect(await ask({ project: "shop", environment: "production", actor: "ops" })).toMatchObject({
      status: 409,
      body: { error: "a deploy of shop/production is running" },
    });
    await post(`${cfg.urls.deploy}/api/v1/deploys/${running.body.id}/finish`, { result: "cancelled" });
    // Nothing earlier to go back to: web's only version.
    await deploy("web", "1.0.0", "succeeded", Date.now() - 60_000);
    expect(await ask({ project: "web", environment: "production", actor: "ops" })).toMatchObject({
      status: 409,
      body: { error: "no earlier successful version of web/production to roll back to" },
    });
    // An earlier version CI reported with shell in it is not passed to a command.
    await deploy("web", "0.9 $(touch /tmp/opsdeck-pwned)", "succeeded", Date.now() - 7_200_000);
    expect(await ask({ project: "web", environment: "production", actor: "ops" })).toMatchObject({
      status: 409,
      body: { error: expect.stringContaining("is not a plain tag") },
    });
    // A project name that is not a label, and fields the API does not take: 400, nothing run.
    expect((await ask({ project: "shop; rm -rf /", environment: "production", actor: "ops" })).status).toBe(400);
    expect((await ask({ project: "shop", environment: "production", actor: "ops", command: ["sh"] })).status).toBe(400);
    // Without the token.
    const anonymous = await fetch(`${cfg.urls.deploy}/api/v1/rollbacks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ project: "shop", environment: "production", actor: "ops" }),
    });
    expect(anonymous.status).toBe(401);
    // Where rollbacks exist, without their commands.
    expect(await getJson(`${cfg.urls.deploy}/api/v1/rollbacks`)).toEqual({
      rollbacks: [
        { project: "shop", environment: "production" },
        { project: "api", environment: "production" },
        { project: "web", environment: "production" },
      ],
    });
  });
});
