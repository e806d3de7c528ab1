// filebeat.yml against what it must agree with: every option one that Filebeat 7.17 and 8.x both
// document, unique input ids, paths and parsers set, every field it produces mapped in OpsDeck's
// index template, setup.* consistent with the output. What the real Filebeat makes of real lines
// with it: test/ship.test.ts.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import component from "../provisioning/elasticsearch/component-ecs.json" with { type: "json" };
import templates from "../provisioning/elasticsearch/index-templates.json" with { type: "json" };
import { FILEBEAT_VERSION } from "../stack/src/filebeat.ts";
import { DOCUMENTED } from "./documented.ts";

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

type Tree = Record<string, unknown>;

/** Every option filebeat.yml sets, as [where, option]: "processor.rename" / "fields[].from". */
function usedOptions(doc: Tree): [string, string][] {
  const out: [string, string][] = [];
  const add = (where: string, option: string) => out.push([where, option]);
  const condition = (path: string[], value: unknown) => {
    const [op, ...rest] = path;
    if (op === undefined) {
      for (const [k, v] of Object.entries(value as Tree)) condition(k.split("."), v);
      return;
    }
    add("condition", op);
    if (op === "not") condition(rest, value);
    if (op === "or" || op === "and") for (const c of value as Tree[]) condition([], c);
  };
  const options = (where: string, conf: Tree) => {
    for (const [key, value] of Object.entries(conf)) {
      if (key === "when" || key.startsWith("when.")) {
        add(where, "when");
        condition(key.split(".").slice(1), value);
        continue;
      }
      add(where, key);
      if (Array.isArray(value))
        for (const item of value)
          if (item && typeof item === "object" && !(where.startsWith("input") && key === "processors"))
            if (!(where.startsWith("input") && key === "parsers"))
              for (const sub of Object.keys(item)) {
                if (sub === "when" || sub.startsWith("when.")) condition(sub.split(".").slice(1), item[sub]);
                add(where, `${key}[].${sub.split(".")[0]}`);
              }
    }
  };
  const processors = (list: Tree[]) => {
    for (const p of list) {
      const [kind, conf] = Object.entries(p)[0];
      options(`processor.${kind}`, conf as Tree);
    }
  };
  for (const [key, value] of Object.entries(doc)) {
    add("root", key);
    if (key === "output.elasticsearch") options(key, value as Tree);
    if (key === "processors") processors(value as Tree[]);
    if (key === "filebeat.inputs")
      for (const input of value as Tree[]) {
        options(`input.${String(input.type)}`, input);
        for (const parser of (input.parsers ?? []) as Tree[]) {
          const [kind, conf] = Object.entries(parser)[0];
          options(`parser.${kind}`, conf as Tree);
        }
        processors((input.processors ?? []) as Tree[]);
      }
  }
  return out;
}

/** The 7.17 documentation, from the Go module Filebeat is built from (scripts/build-filebeat.sh). */
function beatsDocs(file: string): string {
  const cache = execFileSync("go", ["env", "GOMODCACHE"], { encoding: "utf8" }).trim();
  const path = join(cache, `github.com/elastic/beats/v7@v${FILEBEAT_VERSION}`, file);
  if (!existsSync(path))
    throw new Error(`${path} is missing: run scripts/setup.sh (it builds Filebeat from that module)`);
  return readFileSync(path, "utf8");
}

describe("filebeat.yml's options", () => {
  const used = usedOptions(parse(text));

  it("are each one that both Filebeat 7.17 and 8.x document (they ignore the others silently)", () => {
    const undocumented = used.filter(([where, option]) => !DOCUMENTED[where]?.options.includes(option));
    expect(undocumented).toEqual([]);
    // And the list holds nothing the file does not use.
    const listed = Object.entries(DOCUMENTED).flatMap(([where, d]) => d.options.map((o) => `${where} ${o}`));
    expect([...new Set(used.map(([w, o]) => `${w} ${o}`))].sort()).toEqual(listed.sort());
  });

  it("are in Filebeat 7.17's own documentation", () => {
    const missing: string[] = [];
    for (const [where, d] of Object.entries(DOCUMENTED)) {
      const docs = d.v7.map(beatsDocs).join("\n");
      for (const option of d.options) {
        const name = option.includes("[].") ? option.split("[].")[1] : option;
        // The multiline parser's options are documented under their older names (multiline.timeout).
        const names = [name, `${where.split(".")[1]}.${name}`];
        if (!names.some((n) => docs.includes(`\`${n}\``) || docs.includes(`${n}:`)))
          missing.push(`${where}: ${option}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe("filebeat.yml", () => {
  it("gives every input a unique id, paths, and a way to parse its lines", () => {
    const ids = inputs.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([
      "opsdeck-pm2",
      "opsdeck-nginx-access",
      "opsdeck-nginx-error",
      "opsdeck-services",
      "opsdeck-containers",
    ]);
    for (const i of inputs) {
      expect(i.type).toBe("filestream");
      expect(i.paths.length).toBeGreaterThan(0);
      expect((i.parsers?.length ?? 0) + (i.processors?.length ?? 0)).toBeGreaterThan(0);
      expect(i.fields?.["event.dataset"] ?? (i.parsers ?? []).some((p) => p.ndjson)).toBeTruthy();
    }
  });

  it("tags no input's script processor (built per file, a tag races; the global ones are built once)", () => {
    const tagged = inputs.flatMap((i) =>
      (i.processors ?? []).filter((p) => p.script?.tag !== undefined).map((p) => `${i.id}: ${p.script.tag}`),
    );
    expect(tagged).toEqual([]);
    // The global scripts keep their tags: their statistics name them in Filebeat's /stats.
    const globalTags = (fb.processors as Record<string, Record<string, unknown>>[]).map((p) => p.script?.tag);
    expect(globalTags.filter(Boolean)).toEqual(["opsdeck_host_name", "opsdeck_error_pattern"]);
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
});
