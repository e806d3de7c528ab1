import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  ConfigError,
  configPath,
  DEFAULT_BUSINESS_METRICS,
  loadConfig,
  parseConfig,
  READERS,
  readYaml,
  referencedVariables,
  type Reader,
} from "./index.ts";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

const problems = (text: string, env: NodeJS.ProcessEnv = {}) => {
  try {
    parseConfig(text, "opsdeck.yml", env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
};

describe("opsdeck.yml", () => {
  it("an empty file gives every default", () => {
    const c = parseConfig("", "opsdeck.yml");
    expect(c.exporters.deploy.port).toBe(9470);
    expect(c.exporters.pm2.poll_interval_seconds).toBe(5);
    expect(c.exporters.business.metrics.map((m) => m.name)).toContain("shop_orders_total");
  });

  it("names the file, the key path and what is wrong", () => {
    expect(problems("exporters: {deploy: {port: abc}}")).toEqual([
      'exporters.deploy.port: expected a number, got "abc"',
    ]);
    try {
      parseConfig("exporters: {deploy: {port: abc}}", "/etc/opsdeck.yml");
    } catch (err) {
      expect((err as Error).message).toContain("/etc/opsdeck.yml");
    }
  });

  it("rejects unknown keys, bad enums and bad metric definitions", () => {
    expect(problems("exporter: {}")).toEqual(['(root): unknown key "exporter"']);
    expect(problems("log: {level: loud}")[0]).toMatch(/^log\.level: /);
    expect(problems("exporters: {business: {metrics: [{name: orders, type: counter, help: x}]}}")).toEqual([
      "exporters.business.metrics.0.name: a counter's name must end in _total",
    ]);
    expect(
      problems("exporters: {business: {metrics: [{name: a_total, type: counter, help: x, labels: [{name: c}]}]}}")[0],
    ).toMatch(/labels\.0: give exactly one of values or max_values/);
  });

  it("interpolates ${VAR} and ${VAR:-default}, and names the key of a missing variable", () => {
    const c = parseConfig('exporters: {deploy: {port: "${P}", token: "${T}", data_dir: "${D:-x}/d"}}', "f", {
      P: "1234",
      T: "0123456789abcdef",
    });
    expect(c.exporters.deploy.port).toBe(1234);
    expect(c.exporters.deploy.token).toBe("0123456789abcdef");
    expect(c.exporters.deploy.data_dir).toBe("x/d");
    expect(problems('exporters: {deploy: {token: "${NOPE}"}}')).toEqual([
      "exporters.deploy.token: environment variable NOPE is not set",
    ]);
  });

  it("takes a list of URLs as a list, or as one variable with commas (compose's environment)", () => {
    const sources = (replicas: string, env: Record<string, string> = {}) =>
      parseConfig(`portal: {sources: {prometheus_replicas: ${replicas}}}`, "f", env).portal.sources.prometheus_replicas;
    expect(sources("[http://a:9090]")).toEqual(["http://a:9090"]);
    expect(sources('"${R:-}"', { R: "http://nginx:9090, http://b:9090" })).toEqual([
      "http://nginx:9090",
      "http://b:9090",
    ]);
    expect(sources('"${R:-}"')).toEqual([]);
    expect(problems('portal: {sources: {prometheus_replicas: "http://a:9090,not a url"}}')[0]).toMatch(
      /^portal\.sources\.prometheus_replicas\.1: /,
    );
  });

  it("collectors may only set gauges that are defined", () => {
    const p = problems(
      "exporters: {business: {collectors: [{name: c, url: 'http://x/', values: [{metric: shop_orders_total, path: a}]}]}}",
    );
    expect(p[0]).toMatch(/^exporters\.business\.collectors\.0\.values\.0\.metric: .*not a gauge/);
  });

  it("is found through --config, then OPSDECK_CONFIG, then ./opsdeck.yml", () => {
    const dir = mkdtempSync(join(tmpdir(), "opsdeck-cfg-"));
    writeFileSync(join(dir, "opsdeck.yml"), "log: {level: debug}\n");
    expect(configPath({ argv: ["--config", "a.yml"], env: { OPSDECK_CONFIG: "b.yml" }, cwd: dir })).toBe(
      join(dir, "a.yml"),
    );
    expect(configPath({ argv: ["--config=c.yml"], env: {}, cwd: dir })).toBe(join(dir, "c.yml"));
    expect(configPath({ argv: [], env: { OPSDECK_CONFIG: "b.yml" }, cwd: dir })).toBe(join(dir, "b.yml"));
    expect(configPath({ argv: [], env: {}, cwd: dir })).toBe(join(dir, "opsdeck.yml"));
    expect(loadConfig({ argv: [], env: {}, cwd: dir }).config.log.level).toBe("debug");
    expect(() => loadConfig({ argv: ["--config", "missing.yml"], env: {}, cwd: dir })).toThrow(
      /missing\.yml: .*cannot read: ENOENT/s,
    );
  });

  it("lets each process read its own parts of the example with its own secrets alone", () => {
    const text = readFileSync(join(REPO, "opsdeck.example.yml"), "utf8");
    const tree = readYaml(text, "opsdeck.example.yml");
    const secrets: Record<string, string> = {
      OPSDECK_DEPLOY_TOKEN: "x".repeat(16),
      OPSDECK_AXI_TOKEN: "a".repeat(16),
      OPSDECK_BUSINESS_TOKEN: "y".repeat(16),
      OPSDECK_NOTIFIER_TOKEN: "z".repeat(16),
      OPSDECK_GITHUB_SECRET: "g".repeat(16),
      OPSDECK_PORTAL_SESSION_SECRET: "s".repeat(32),
      OPSDECK_PORTAL_ADMIN_HASH: "scrypt$16384$8$1$c2FsdA$aGFzaA",
    };
    expect(referencedVariables(tree, READERS.notifier)).toContain("OPSDECK_NOTIFIER_TOKEN");
    expect(referencedVariables(tree, READERS.notifier)).not.toContain("OPSDECK_PORTAL_SESSION_SECRET");
    expect(referencedVariables(tree, READERS["deploy-exporter"])).not.toContain("OPSDECK_PORTAL_ADMIN_HASH");
    for (const reader of Object.keys(READERS) as Reader[]) {
      const own = Object.fromEntries(
        referencedVariables(tree, READERS[reader]).flatMap((name) => (secrets[name] ? [[name, secrets[name]]] : [])),
      );
      expect(() => parseConfig(text, "opsdeck.example.yml", own, reader), reader).not.toThrow();
    }
    // The whole file, as the supervisor reads it, needs every one.
    expect(() => parseConfig(text, "opsdeck.example.yml", { OPSDECK_NOTIFIER_TOKEN: "z".repeat(16) })).toThrow(
      /OPSDECK_PORTAL_SESSION_SECRET is not set/,
    );
  });

  it("the annotated example is valid, and its shop metrics are the built-in defaults", () => {
    const text = readFileSync(join(REPO, "opsdeck.example.yml"), "utf8");
    const env = {
      OPSDECK_DEPLOY_TOKEN: "x".repeat(16),
      OPSDECK_BUSINESS_TOKEN: "y".repeat(16),
      OPSDECK_NOTIFIER_TOKEN: "z".repeat(16),
      OPSDECK_PORTAL_SESSION_SECRET: "s".repeat(32),
      OPSDECK_PORTAL_ADMIN_HASH: "scrypt$16384$8$1$c2FsdA$aGFzaA",
    };
    const c = parseConfig(text, "opsdeck.example.yml", env);
    const defaults = parseConfig("", "defaults", env);
    expect(c.exporters.business.metrics).toEqual(defaults.exporters.business.metrics);
    expect(defaults.exporters.business.metrics).toHaveLength(DEFAULT_BUSINESS_METRICS.length);
    // Every default is written out in the example, so the example documents every key.
    const raw = parseYaml(text) as Record<string, unknown>;
    const keys = (o: unknown, p = ""): string[] =>
      o && typeof o === "object" && !Array.isArray(o)
        ? Object.entries(o).flatMap(([k, v]) => [p + k, ...keys(v, `${p}${k}.`)])
        : [];
    const documented = new Set(keys(raw));
    for (const k of keys(defaults)) if (!k.includes("pm2_home")) expect(documented, k).toContain(k);
  });
});
