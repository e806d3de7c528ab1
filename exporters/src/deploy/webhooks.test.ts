import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { HttpError } from "@opsdeck/core";
import { axiRecords } from "./axi.ts";
import { githubRecords, verifySignature } from "./github.ts";

describe("GitHub's signature", () => {
  it("matches the example GitHub documents for X-Hub-Signature-256", () => {
    // docs.github.com, "Validating webhook deliveries": this secret and payload give this header.
    const header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    expect(() => verifySignature("It's a Secret to Everybody", Buffer.from("Hello, World!"), header)).not.toThrow();
    expect(() => verifySignature("It's a Secret to Everybody", Buffer.from("Hello, World?"), header)).toThrow(
      HttpError,
    );
  });
});

describe("axi-deploy notifications", () => {
  it("maps each type to a record of one deploy", () => {
    const base = { project: "blog", deployment_id: 42 };
    const started = axiRecords(
      { ...base, type: "step_started", step_name: "upload", timestamp: "2026-01-01T00:00:00Z" },
      5,
    );
    expect(started[0]).toMatchObject({
      id: "axi-blog-42",
      t: "step",
      step: { name: "upload", status: "running", started_at: Date.parse("2026-01-01T00:00:00Z") },
    });
    const done = axiRecords(
      {
        ...base,
        type: "step_completed",
        step_name: "upload",
        step_status: "failure",
        completed_at: "null",
        duration: "12",
        logs: "boom",
      },
      5,
    );
    expect(done[0]).toMatchObject({ t: "step", step: { status: "failed", log: "boom" } });
    expect(axiRecords({ ...base, type: "step_manual", step_name: "approve" })[0]).toMatchObject({
      step: { status: "waiting" },
    });
    expect(axiRecords({ ...base, type: "deployment_completed", status: "success", duration: 30 })[0]).toMatchObject({
      t: "finish",
      result: "succeeded",
    });
    expect(axiRecords({ ...base, type: "deployment_completed", status: "cancelled" })[0]).toMatchObject({
      result: "cancelled",
    });
    expect(
      axiRecords({ ...base, type: "log_entry", level: "WARNING", message: "disk", source: "ssh" })[0],
    ).toMatchObject({ t: "log", lines: [{ level: "warn", message: "disk", source: "ssh" }] });
    expect(
      axiRecords({ ...base, type: "metrics_update", metrics: { files: "12", size: 3.5, bad: "x" } })[0],
    ).toMatchObject({ t: "metrics", metrics: { files: 12, size: 3.5 } });
  });

  it("takes the servers deployed to as a list or a comma-separated string, leaving out what is not a host name", () => {
    const base = { project: "blog", deployment_id: 43, type: "step_started", step_name: "upload" };
    expect(axiRecords({ ...base, hosts: "app-1, app-2" })[0].info).toMatchObject({ hosts: ["app-1", "app-2"] });
    expect(axiRecords({ ...base, hosts: ["app-3", "not a host", 7] })[0].info).toMatchObject({ hosts: ["app-3", "7"] });
    expect(axiRecords({ ...base, hosts: "" })[0].info?.hosts).toBeUndefined();
  });

  it("gives a resent notification the same event id, and a different one another", () => {
    const n = { type: "step_started", project: "blog", deployment_id: "1", step_name: "a", timestamp: "1700000000" };
    expect(axiRecords(n)[0].event_id).toBe(axiRecords({ ...n })[0].event_id);
    expect(axiRecords({ ...n, step_name: "b" })[0].event_id).not.toBe(axiRecords(n)[0].event_id);
  });

  it("rejects unknown types and missing fields with the field's name", () => {
    expect(() => axiRecords({ type: "nope", project: "a", deployment_id: "1" })).toThrow(/type/);
    expect(() => axiRecords({ type: "step_started", deployment_id: "1" })).toThrow(/project/);
  });
});

describe("GitHub webhooks", () => {
  const opts = { environment: "production", workflows: [] };
  const repository = { name: "shop", full_name: "acme/shop" };
  const run = {
    id: 7,
    run_attempt: 2,
    name: "Deploy",
    head_branch: "main",
    head_sha: "a".repeat(40),
    run_started_at: "2026-01-01T00:00:00Z",
    actor: { login: "li" },
    head_commit: { timestamp: "2025-12-31T23:00:00Z" },
  };

  it("checks X-Hub-Signature-256 over the raw body", () => {
    const body = Buffer.from('{"a":1}');
    const sig = "sha256=" + createHmac("sha256", "secret-secret-secret").update(body).digest("hex");
    expect(() => verifySignature("secret-secret-secret", body, sig)).not.toThrow();
    expect(() => verifySignature("secret-secret-secret", Buffer.from('{"a":2}'), sig)).toThrow(HttpError);
    expect(() => verifySignature("secret-secret-secret", body, undefined)).toThrow(/missing/);
  });

  it("maps workflow_run to a deploy started and finished", () => {
    const [s] = githubRecords("workflow_run", "d1", { action: "requested", repository, workflow_run: run }, opts);
    expect(s).toMatchObject({
      id: "gh-run-7-2",
      t: "start",
      event_id: "github:d1",
      info: { project: "shop", environment: "production", branch: "main", actor: "li" },
    });
    const [f] = githubRecords(
      "workflow_run",
      "d2",
      { action: "completed", repository, workflow_run: { ...run, conclusion: "failure" } },
      opts,
    );
    expect(f).toMatchObject({ t: "finish", result: "failed" });
  });

  it("maps workflow_job to a step of its run, and filters workflows by name", () => {
    const job = {
      run_id: 7,
      run_attempt: 2,
      name: "build",
      workflow_name: "Deploy",
      status: "completed",
      conclusion: "success",
      started_at: "2026-01-01T00:00:00Z",
      completed_at: "2026-01-01T00:01:00Z",
      steps: [{ name: "npm ci", status: "completed", conclusion: "success" }],
    };
    const [r] = githubRecords("workflow_job", "d3", { action: "completed", repository, workflow_job: job }, opts);
    expect(r).toMatchObject({
      id: "gh-run-7-2",
      t: "step",
      step: { name: "build", status: "succeeded", log: "✓ npm ci (success)" },
    });
    expect(
      githubRecords(
        "workflow_job",
        "d4",
        { action: "completed", repository, workflow_job: job },
        { ...opts, workflows: ["Release"] },
      ),
    ).toEqual([]);
  });

  it("maps deployment_status with its own environment", () => {
    const body = {
      repository,
      deployment: { id: 9, sha: "b".repeat(40), ref: "v1.2.0", environment: "staging" },
      deployment_status: { state: "success" },
    };
    expect(githubRecords("deployment_status", "d5", body, opts)[0]).toMatchObject({
      id: "gh-deployment-9",
      t: "finish",
      result: "succeeded",
      info: { environment: "staging" },
    });
    expect(
      githubRecords("deployment_status", "d6", { ...body, deployment_status: { state: "in_progress" } }, opts)[0],
    ).toMatchObject({ t: "start" });
  });

  it("keeps free text out of labels and non-http(s) links out of deploys", () => {
    const body = {
      repository,
      deployment: {
        id: 10,
        sha: "b".repeat(40),
        ref: "v1 <@all>",
        environment: "prod\n\n### Rotate [x](https://evil.example)",
      },
      deployment_status: { state: "success", log_url: "javascript:alert(1)" },
    };
    const [record] = githubRecords("deployment_status", "d10", body, opts);
    expect(record.info).toMatchObject({ environment: "prod-Rotate-x-https-//evil.example-", branch: "v1-@all-" });
    expect(record.info?.url).toBeUndefined();
  });

  it("answers ping and rejects other events and malformed payloads", () => {
    expect(githubRecords("ping", "d7", {}, opts)).toEqual([]);
    expect(() => githubRecords("push", "d8", {}, opts)).toThrow(/unsupported GitHub event "push"/);
    expect(() => githubRecords("workflow_run", "d9", { action: "completed" }, opts)).toThrow(/repository/);
  });
});
