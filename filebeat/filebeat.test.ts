// filebeat.yml against what it must agree with: unique input ids, paths and parsers set, every
// field it produces mapped in OpsDeck's index template, setup.* consistent with the output; and
// its PM2 script run on real PM2 lines (plain, --time, JSON) gives the ECS fields the portal reads.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import component from "../provisioning/elasticsearch/component-ecs.json" with { type: "json" };
import templates from "../provisioning/elasticsearch/index-templates.json" with { type: "json" };

const dir = import.meta.dirname;
// Filebeat's ${VAR:default}: the defaults, as a fresh install sees them.
const text = readFileSync(join(dir, "filebeat.yml"), "utf8").replace(/\$\{\w+:([^}]*)\}/g, "$1");
const fb = parse(text);
type Input = {
  id: string;
  type: string;
  paths: string[];
  parsers?: Record<string, Record<string, unknown>>[];
  fields?: Record<string, string>;
  processors?: Record<string, Record<string, unknown>>[];
};
const inputs: Input[] = fb["filebeat.inputs"];

/** Is this dotted field mapped explicitly, or under an object the template defines? */
function mapped(field: string): boolean {
  type Node = { type?: string; properties?: Record<string, Node> };
  let node: Node = component.template.mappings as Node;
  for (const key of field.split(".")) {
    const next: Node | undefined = node.properties?.[key];
    if (!next) return node.type === "object";
    node = next;
  }
  return true;
}

/** Fields an input's processors write, except the temporary ones they drop again. */
function produced(input: Input): string[] {
  const out = new Set(Object.keys(input.fields ?? {}));
  const dropped = new Set<string>();
  for (const p of input.processors ?? []) {
    const [kind, conf] = Object.entries(p)[0] as [string, Record<string, unknown>];
    if (kind === "rename") for (const f of conf.fields as { to: string }[]) out.add(f.to);
    if (kind === "dissect") for (const m of String(conf.tokenizer).matchAll(/%\{\+?([\w.]+)\}/g)) out.add(m[1]);
    if (kind === "script") for (const m of String(conf.source).matchAll(/event\.Put\("([\w.]+)"/g)) out.add(m[1]);
    if (kind === "add_fields") for (const k of Object.keys(conf.fields as object)) out.add(k);
    if (kind === "drop_fields") for (const f of conf.fields as string[]) dropped.add(f);
    if (kind === "timestamp") out.add("@timestamp");
  }
  return [...out].filter((f) => !dropped.has(f));
}

/** Runs an input's script processor on an event, as Filebeat's JavaScript engine would. */
function runScript(input: Input, fields: Record<string, unknown>): Record<string, unknown> {
  const script = input.processors!.find((p) => p.script)!.script.source as string;
  const event = {
    Get: (k: string) => fields[k],
    Put: (k: string, v: unknown) => void (fields[k] = v),
    Delete: (k: string) => void delete fields[k],
  };
  runInNewContext(`${script}\nprocess(event);`, { event });
  return fields;
}

describe("filebeat.yml", () => {
  it("gives every input a unique id, paths, and a way to parse its lines", () => {
    const ids = inputs.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(["opsdeck-pm2", "opsdeck-nginx-access", "opsdeck-nginx-error", "opsdeck-services"]);
    for (const i of inputs) {
      expect(i.type).toBe("filestream");
      expect(i.paths.length).toBeGreaterThan(0);
      expect((i.parsers?.length ?? 0) + (i.processors?.length ?? 0)).toBeGreaterThan(0);
      expect(i.fields?.["event.dataset"] ?? (i.parsers ?? []).some((p) => p.ndjson)).toBeTruthy();
    }
  });

  it("produces only fields the index template maps", () => {
    for (const i of inputs)
      for (const f of produced(i)) expect(mapped(f), `${i.id} writes ${f}, which the template does not map`).toBe(true);
    expect(mapped("host.name")).toBe(true); // add_host_metadata
  });

  it("writes to OpsDeck's indices with setup.* as that requires", () => {
    const out = fb["output.elasticsearch"];
    expect(fb["setup.ilm.enabled"]).toBe(false);
    expect(fb["setup.template.enabled"]).toBe(false);
    expect(out.index).toBe("opsdeck-logs-%{+yyyy.MM.dd}");
    expect(fb["setup.template.name"]).toBe("opsdeck-logs");
    // The pattern Filebeat is told is the one OpsDeck's logs template applies to.
    expect(fb["setup.template.pattern"]).toBe(templates.logs.index_patterns[0].replace("{prefix}", "opsdeck"));
    expect(out.indices[0].index).toBe("opsdeck-events-%{+yyyy.MM.dd}");
    expect(templates.events.index_patterns[0].replace("{prefix}", "opsdeck")).toBe("opsdeck-events-*");
  });

  it("joins a stack trace into one event", () => {
    const m = inputs[0].parsers![0].multiline as { pattern: string };
    const cont = new RegExp(m.pattern);
    expect(cont.test("    at Server.<anonymous> (/app/server.js:12:9)")).toBe(true);
    expect(cont.test("    ... 4 more")).toBe(true);
    expect(cont.test("Caused by: Error: ECONNREFUSED")).toBe(true);
    expect(cont.test("Error: boom")).toBe(false);
    expect(cont.test("2026-11-22T10:20:30: GET /api/orders 200")).toBe(false);
  });

  it("turns PM2's plain, --time and JSON lines into ECS fields", () => {
    const pm2 = inputs[0];
    expect(
      runScript(pm2, { "log.file.path": "/root/.pm2/logs/demo-shop-out-1.log", message: "order 42 paid" }),
    ).toMatchObject({
      "service.name": "demo-shop",
      "service.instance.id": "1",
      "opsdeck.stream": "stdout",
      "log.level": "info",
    });
    expect(
      runScript(pm2, {
        "log.file.path": "/root/.pm2/logs/demo-shop-error.log",
        message: "2026-11-22T10:20:30: Error: boom\n    at main (/app/a.js:1:1)",
      }),
    ).toMatchObject({
      "service.name": "demo-shop",
      "opsdeck.time": "2026-11-22T10:20:30",
      message: "Error: boom\n    at main (/app/a.js:1:1)",
      "log.level": "error",
    });
    expect(
      runScript(pm2, {
        "log.file.path": "/root/.pm2/logs/api-out.log",
        message: "{...}",
        pm2: {
          message: "WARN cache cold\n",
          timestamp: "2026-11-22T10:20:30.123Z",
          type: "out",
          app_name: "api",
          process_id: 0,
        },
      }),
    ).toMatchObject({
      "service.name": "api",
      message: "WARN cache cold",
      "log.level": "warn",
      "service.instance.id": "0",
    });
  });

  it("keeps query strings (and the tokens they may carry) out of nginx access events", () => {
    const access = inputs.find((i) => i.id === "opsdeck-nginx-access")!;
    const event = runScript(access, {
      "http.request.method": "POST",
      "url.original": "/api/v1/webhooks/axi?token=axi-token-0123456789",
      "http.request.referrer": "https://ci.example/job?session=abc",
      "http.response.status_code": 202,
    });
    expect(event).toMatchObject({
      "url.original": "/api/v1/webhooks/axi",
      "http.request.referrer": "https://ci.example/job",
      message: "POST /api/v1/webhooks/axi 202",
    });
    expect(JSON.stringify(event)).not.toContain("token=");
  });
});
