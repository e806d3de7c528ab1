// Elasticsearch with security on (the compose stack's setting), on the real server: the roles
// the init step gives OpsDeck's users let each service do its job — and nothing more. The test
// distribution cannot keep native users (its .security index needs analysis-common's
// pattern_capture filter, which it lacks), so these run with the very same role bodies in the
// file realm (roles.yml); the init job PUTs them through the _security API in compose.
import { join } from "node:path";
import { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "@opsdeck/core";
import { indexName, initElasticsearch } from "@opsdeck/core/elastic";
import { applySecurity, roleBodies, securityDefinitions } from "@opsdeck/core/elastic-security";
import { freePort, startElasticsearch, type Proc } from "@opsdeck/stack";
import { tempDir } from "@opsdeck/stack/testkit";

const PREFIX = "t-sec";
const ROLES = ["opsdeck_filebeat", "opsdeck_grafana", "opsdeck_kibana", "opsdeck_monitor", "opsdeck_portal"];
const ADMIN = { user: "init-admin", password: "init-admin-password-0123" };
const ENV = {
  OPSDECK_ES_PORTAL_PASSWORD: "portal-password-0123",
  OPSDECK_ES_FILEBEAT_PASSWORD: "filebeat-password-0123",
  OPSDECK_ES_GRAFANA_PASSWORD: "grafana-password-0123",
  OPSDECK_ES_MONITOR_PASSWORD: "monitor-password-0123",
  OPSDECK_ES_KIBANA_PASSWORD: "kibana-password-0123",
};
let es: Proc;
let url: string;
const as = (username: string, password: string) =>
  new Client({ node: url, auth: { username, password }, maxRetries: 0 });
let admin: Client;

beforeAll(async () => {
  const dir = tempDir("es-security");
  const users = Object.entries(securityDefinitions(PREFIX).users).map(([user, u]) => ({
    user,
    password: ENV[u.password_env as keyof typeof ENV],
    roles: u.roles,
  }));
  const started = await startElasticsearch({
    dir,
    port: await freePort(),
    security: { ...ADMIN, roles: roleBodies(PREFIX), users },
    logFile: join(dir, "es.log"),
  });
  es = started.proc;
  url = started.url;
  admin = as(ADMIN.user, ADMIN.password);
  const cfg = parseConfig(`elasticsearch:\n  url: ${url}\n  index_prefix: ${PREFIX}\n`, "test");
  await initElasticsearch(admin, cfg.elasticsearch);
}, 180_000);
afterAll(() => es?.stop());

/** The HTTP status an Elasticsearch call ends with (200 when it succeeds). */
const status = (call: Promise<unknown>) =>
  call.then(
    () => 200,
    (e: { meta?: { statusCode?: number } }) => e.meta?.statusCode ?? -1,
  );

describe("Elasticsearch security for OpsDeck", () => {
  it("gives every user its roles, with the index prefix filled in", async () => {
    const roles = roleBodies(PREFIX) as Record<string, { indices: { names: string[] }[] }>;
    expect(Object.keys(roles).sort()).toEqual(ROLES);
    expect(roles.opsdeck_portal.indices[0].names).toContain(`${PREFIX}-logs-*`);
    expect(JSON.stringify(roles)).not.toContain("{prefix}");
    for (const [user, u] of Object.entries(securityDefinitions(PREFIX).users)) {
      const me = await as(user, ENV[u.password_env as keyof typeof ENV]).security.authenticate();
      expect([me.username, me.roles]).toEqual([user, u.roles]);
    }
  });

  it("refuses to run with a password missing, naming it", async () => {
    await expect(applySecurity(admin, PREFIX, { ...ENV, OPSDECK_ES_GRAFANA_PASSWORD: "" })).rejects.toThrow(
      "set OPSDECK_ES_GRAFANA_PASSWORD",
    );
  });

  it("lets Filebeat add log lines and nothing else", async () => {
    const filebeat = as("opsdeck_filebeat", ENV.OPSDECK_ES_FILEBEAT_PASSWORD);
    const logs = indexName.logs(PREFIX);
    const bulk = await filebeat.bulk({
      operations: [{ create: { _index: logs } }, { "@timestamp": new Date().toISOString(), message: "shipped" }],
      refresh: "wait_for",
    });
    expect(bulk.errors).toBe(false);
    expect(await status(filebeat.search({ index: logs }))).toBe(403);
    expect(await status(filebeat.indices.delete({ index: logs }))).toBe(403);
    expect(await status(filebeat.index({ index: indexName.import(PREFIX, "x"), document: { a: 1 } }))).toBe(403);
    expect(await status(filebeat.indices.putIndexTemplate({ name: "x", index_patterns: ["x-*"] }))).toBe(403);
  });

  it("lets the portal read every OpsDeck index and manage imports, but not change the logs", async () => {
    const portal = as("opsdeck_portal", ENV.OPSDECK_ES_PORTAL_PASSWORD);
    const logs = indexName.logs(PREFIX);
    const found = await portal.search({ index: `${PREFIX}-logs-*`, query: { match: { message: "shipped" } } });
    expect(found.hits.hits.length).toBe(1);
    const imported = indexName.import(PREFIX, "sec1");
    expect(await status(portal.indices.create({ index: imported }))).toBe(200);
    expect(await status(portal.index({ index: imported, document: { message: "imported" }, refresh: true }))).toBe(200);
    expect(await status(portal.index({ index: `${PREFIX}-imports`, document: { id: "sec1" }, refresh: true }))).toBe(
      200,
    );
    expect(await status(portal.nodes.stats({ metric: ["fs"] }))).toBe(200); // the free-disk check
    expect(await status(portal.indices.delete({ index: imported }))).toBe(200);
    expect(await status(portal.index({ index: logs, document: { message: "forged" } }))).toBe(403);
    expect(await status(portal.indices.delete({ index: logs }))).toBe(403);
    expect(await status(portal.indices.putIndexTemplate({ name: "x", index_patterns: ["x-*"] }))).toBe(403);
    expect(await status(portal.search({ index: ".security" }))).toBe(403);
  });

  it("lets Grafana read the logs, and the exporter read cluster health, and no more", async () => {
    const grafana = as("opsdeck_grafana", ENV.OPSDECK_ES_GRAFANA_PASSWORD);
    expect(await status(grafana.search({ index: `${PREFIX}-logs-*` }))).toBe(200);
    expect(await status(grafana.index({ index: indexName.logs(PREFIX), document: { a: 1 } }))).toBe(403);
    const monitor = as("opsdeck_monitor", ENV.OPSDECK_ES_MONITOR_PASSWORD);
    expect(await status(monitor.cluster.health())).toBe(200);
    expect(await status(monitor.search({ index: `${PREFIX}-logs-*` }))).toBe(403);
    expect(await status(as("opsdeck_portal", "wrong-password").search({ index: `${PREFIX}-logs-*` }))).toBe(401);
  });
});
