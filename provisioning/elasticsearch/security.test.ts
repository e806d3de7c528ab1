// Elasticsearch with security on (the compose stack's setting), on the real server: the roles
// the init step gives OpsDeck's users let each service do its job — and nothing more; and each
// agent host's log key (core/src/hosts/log-keys.ts) writes logs, reads nothing, and stops at its
// revocation. The users run with the very same role bodies in the file realm (roles.yml; the init
// job PUTs them through the _security API in compose); the API keys live in the .security index,
// which the test distribution keeps with OpsDeck's module (stack/elasticsearch-analysis/).
import { join } from "node:path";
import { Client } from "@elastic/elasticsearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "@opsdeck/core";
import { indexName, initElasticsearch } from "@opsdeck/core/elastic";
import { waitUntilElasticsearchReady } from "@opsdeck/core/elastic-ready";
import { applySecurity, roleBodies, securityDefinitions } from "@opsdeck/core/elastic-security";
import { issueLogKey, logKeyHost, logKeys, revokeLogKeys } from "@opsdeck/core/hosts/log-keys";
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

  it("waits until Elasticsearch accepts the user and its cluster is not red, and says why not", async () => {
    expect(["green", "yellow"]).toContain(await waitUntilElasticsearchReady(admin, 10_000));
    await expect(waitUntilElasticsearchReady(as(ADMIN.user, "not-the-password"), 1_000, 200)).rejects.toThrow(
      /did not accept the user for 1 s \(401 security_exception .*ELASTIC_PASSWORD/,
    );
    // A primary shard that cannot be placed, as on a disk past its watermark.
    const index = `${PREFIX}-unplaceable`;
    await admin.indices.create({
      index,
      settings: { number_of_replicas: 0, "index.routing.allocation.require._name": "no-such-node" },
      wait_for_active_shards: 0,
    });
    try {
      await expect(waitUntilElasticsearchReady(admin, 2_000)).rejects.toThrow(
        new RegExp(`cluster is red: ${index}: .*no-such-node|cluster is red: ${index}: `),
      );
    } finally {
      await admin.indices.delete({ index });
    }
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

  it("lets the portal read every OpsDeck index and manage imports, but only add to the logs", async () => {
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
    // It may add documents (an API key it makes for an agent holds no more than the portal holds),
    // never overwrite one.
    expect(await status(portal.index({ index: logs, id: "x", document: { message: "forged" } }))).toBe(403);
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

  it("gives each agent host a log key that adds log lines, reads nothing, and stops when revoked", async () => {
    const portal = as("opsdeck_portal", ENV.OPSDECK_ES_PORTAL_PASSWORD);
    const first = await issueLogKey(portal, PREFIX, "app-1");
    const key = await issueLogKey(portal, PREFIX, "app-1"); // a new key revokes the one before
    const other = await issueLogKey(portal, PREFIX, "app-2");
    const header = (k: { apiKey: string }) => `ApiKey ${Buffer.from(k.apiKey).toString("base64")}`;
    const agent = (k: { apiKey: string }) =>
      new Client({ node: url, auth: { apiKey: Buffer.from(k.apiKey).toString("base64") }, maxRetries: 0 });
    const logs = indexName.logs(PREFIX);
    const bulk = await agent(key).bulk({
      operations: [{ create: { _index: logs } }, { "@timestamp": new Date().toISOString(), message: "from app-1" }],
    });
    expect(bulk.errors).toBe(false);
    expect(await status(agent(key).search({ index: logs }))).toBe(403);
    expect(await status(agent(key).index({ index: logs, id: "y", document: { a: 1 } }))).toBe(403);
    expect(await status(agent(key).index({ index: indexName.import(PREFIX, "x"), document: { a: 1 } }))).toBe(403);
    expect(await status(agent(key).security.createApiKey({ name: "more" }))).toBe(403);
    expect(await status(agent(first).bulk({ operations: [{ create: { _index: logs } }, { a: 1 }] }))).toBe(401);
    expect(await logKeyHost(portal, header(key))).toEqual({ ok: true, host: "app-1" });
    expect(await logKeyHost(portal, header(other))).toEqual({ ok: true, host: "app-2" });

    expect(await revokeLogKeys(portal, "app-1")).toBe(1);
    expect(await status(agent(key).bulk({ operations: [{ create: { _index: logs } }, { a: 1 }] }))).toBe(401);
    expect(await logKeyHost(portal, header(key))).toMatchObject({ ok: false, keyId: key.id });
    expect(await status(agent(other).bulk({ operations: [{ create: { _index: logs } }, { a: 1 }] }))).toBe(200);
    const states = await logKeys(portal);
    expect(states.get("app-1")).toMatchObject({ id: key.id, invalidated: true });
    expect(states.get("app-2")).toMatchObject({ id: other.id, invalidated: false });
    // Grafana's user holds no API key privilege: it can neither make nor revoke one.
    const grafana = as("opsdeck_grafana", ENV.OPSDECK_ES_GRAFANA_PASSWORD);
    expect(await status(grafana.security.invalidateApiKey({ name: "opsdeck-agent-app-2" }))).toBe(403);
  });
});
