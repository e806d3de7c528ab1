// Grafana natively (stack/src/grafana.ts): no Grafana is served to this machine, so a stand-in
// binary records what `npm start` would hand the real one — and that is what compose hands it,
// and what OpsDeck's provisioning needs.
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { freePort, GRAFANA_SETTINGS, REPO, startGrafana, type Proc } from "@opsdeck/stack";
import { tempDir } from "@opsdeck/stack/testkit";

const dir = tempDir("grafana");
let proc: Proc | undefined;
afterAll(() => proc?.stop());

// Named `grafana`, as Grafana 10+'s binary: records its arguments and environment, answers health.
const STAND_IN = `#!${process.execPath}
const { writeFileSync } = require("node:fs");
writeFileSync(${JSON.stringify(join(dir, "seen.json"))}, JSON.stringify({ argv: process.argv.slice(2), env: process.env }));
require("node:http")
  .createServer((req, res) => res.writeHead(req.url === "/grafana/api/health" ? 200 : 404).end("{}"))
  .listen(Number(process.env.GF_SERVER_HTTP_PORT), process.env.GF_SERVER_HTTP_ADDR);
`;

describe("Grafana under npm start", () => {
  it("runs with the compose stack's settings and OpsDeck's provisioning", async () => {
    const bin = join(dir, "grafana");
    writeFileSync(bin, STAND_IN);
    chmodSync(bin, 0o755);
    const port = await freePort();
    const started = await startGrafana({
      bin,
      dir: join(dir, "state"),
      listen: `127.0.0.1:${port}`,
      publicUrl: "http://127.0.0.1:8080",
      adminPassword: "grafana-admin-password-0123",
      prometheusUrl: "http://127.0.0.1:9090",
      alertmanagerUrl: "http://127.0.0.1:9093",
      elasticsearchUrl: "http://127.0.0.1:9200",
      indexPrefix: "opsdeck",
    });
    proc = started.proc;
    const seen = JSON.parse(readFileSync(join(dir, "seen.json"), "utf8")) as {
      argv: string[];
      env: Record<string, string>;
    };
    expect(seen.argv).toEqual(["server", "--homepath", "/usr/share/grafana"]);
    expect(seen.env).toMatchObject({
      ...GRAFANA_SETTINGS,
      GF_SERVER_HTTP_ADDR: "127.0.0.1",
      GF_SERVER_HTTP_PORT: String(port),
      GF_SERVER_ROOT_URL: "http://127.0.0.1:8080/grafana/",
      GF_PATHS_PROVISIONING: join(REPO, "provisioning/grafana"),
      OPSDECK_GRAFANA_DASHBOARDS: join(REPO, "provisioning/grafana/dashboards"),
      OPSDECK_PROMETHEUS_URL: "http://127.0.0.1:9090",
    });
    // Every ${NAME} the provisioning files read is given.
    for (const file of ["datasources/opsdeck.yml", "dashboards/opsdeck.yml"]) {
      const text = readFileSync(join(REPO, "provisioning/grafana", file), "utf8")
        .split("\n")
        .filter((line) => !line.trimStart().startsWith("#"))
        .join("\n");
      for (const [, name] of text.matchAll(/\$\{(\w+)\}/g))
        expect([file, name, name in seen.env]).toEqual([file, name, true]);
    }
  });

  it("is set up as the compose stack sets up its Grafana", () => {
    const compose = parseYaml(readFileSync(join(REPO, "docker-compose.monitoring.yml"), "utf8")) as {
      services: { grafana: { environment: Record<string, string> } };
    };
    const gf = Object.fromEntries(
      Object.entries(compose.services.grafana.environment).filter(
        ([k]) => k.startsWith("GF_") && k !== "GF_SERVER_ROOT_URL" && k !== "GF_SECURITY_ADMIN_PASSWORD",
      ),
    );
    expect(gf).toEqual(GRAFANA_SETTINGS);
  });
});
