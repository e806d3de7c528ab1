// What we ship for Kibana, checked without Kibana: the committed NDJSON is what the code writes,
// every reference resolves inside it, every field a data view, search or chart names is mapped by
// the index templates with a type that fits its use, the data views match the indices' names, the
// example config points at objects that exist, and the import script speaks Kibana's protocol
// (against a stand-in that checks what Kibana checks).
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { KIBANA_IDS } from "@opsdeck/contracts/dashboards";
import { indexName } from "@opsdeck/core/elastic";
import { freePort } from "@opsdeck/stack";
import { importSavedObjects } from "./import-objects.ts";
import { KIBANA_NDJSON, savedObjects, toNdjson, type SavedObject } from "./saved-objects.ts";

const objects = savedObjects();
const byId = new Map(objects.map((o) => [`${o.type}:${o.id}`, o]));

/** Field → type, from the ECS component template every index template is composed of. */
function mappedFields(): Map<string, string> {
  const component = JSON.parse(
    readFileSync(new URL("../elasticsearch/component-ecs.json", import.meta.url), "utf8"),
  ) as { template: { mappings: { properties: Record<string, any> } } };
  const fields = new Map<string, string>();
  const walk = (properties: Record<string, any>, prefix: string) => {
    for (const [name, def] of Object.entries(properties)) {
      if (def.properties) walk(def.properties, `${prefix}${name}.`);
      else fields.set(`${prefix}${name}`, def.type);
    }
  };
  walk(component.template.mappings.properties, "");
  return fields;
}

/** The fields an object reads, with what it does with each (which decides the types that fit). */
function fieldUses(o: SavedObject): [field: string, use: "any" | "time" | "aggregate" | "compare"][] {
  const uses: [string, "any" | "time" | "aggregate" | "compare"][] = [];
  const kql = (query: string) => {
    for (const m of query.matchAll(/([\w.@]+)\s*(:|>=|<=|>|<)/g)) uses.push([m[1], m[2] === ":" ? "any" : "compare"]);
  };
  if (o.type === "index-pattern") uses.push([o.attributes.timeFieldName as string, "time"]);
  if (o.type === "search") {
    for (const c of o.attributes.columns as string[]) uses.push([c, "any"]);
    for (const [field] of o.attributes.sort as [string, string][]) uses.push([field, "time"]);
    const source = JSON.parse((o.attributes.kibanaSavedObjectMeta as { searchSourceJSON: string }).searchSourceJSON);
    kql(source.query.query);
  }
  if (o.type === "lens") {
    const state = o.attributes.state as {
      query: { query: string };
      datasourceStates: { formBased: { layers: Record<string, { columns: Record<string, any> }> } };
    };
    kql(state.query.query);
    for (const layer of Object.values(state.datasourceStates.formBased.layers))
      for (const column of Object.values(layer.columns))
        if (column.sourceField !== "___records___")
          uses.push([column.sourceField, column.operationType === "date_histogram" ? "time" : "aggregate"]);
  }
  return uses;
}

const FITS: Record<string, string[]> = {
  any: ["keyword", "text", "long", "date", "ip"],
  time: ["date"],
  aggregate: ["keyword", "long", "ip", "date"], // not text: Elasticsearch cannot aggregate on it
  compare: ["long", "date", "ip"],
};

describe("Kibana saved objects", () => {
  it("commits exactly what the code writes (npm run dashboards)", () => {
    expect(readFileSync(KIBANA_NDJSON, "utf8")).toBe(toNdjson(objects));
  });

  it("is valid NDJSON with unique ids, each line one object", () => {
    const lines = readFileSync(KIBANA_NDJSON, "utf8").trimEnd().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as SavedObject).id)).toEqual(objects.map((o) => o.id));
    expect(byId.size).toBe(objects.length);
  });

  it("resolves every reference inside the file, and every panel to a reference", () => {
    for (const o of objects)
      for (const r of o.references) expect([o.id, r.name, byId.has(`${r.type}:${r.id}`)]).toEqual([o.id, r.name, true]);
    const dashboard = byId.get(`dashboard:${KIBANA_IDS.logsDashboard}`)!;
    const panels = JSON.parse(dashboard.attributes.panelsJSON as string) as {
      panelIndex: string;
      panelRefName: string;
    }[];
    expect(panels.map((p) => dashboard.references.some((r) => r.name === `${p.panelIndex}:${p.panelRefName}`))).toEqual(
      panels.map(() => true),
    );
    for (const o of objects.filter((x) => x.type === "search"))
      expect(o.references.map((r) => r.name)).toEqual(["kibanaSavedObjectMeta.searchSourceJSON.index"]);
  });

  it("names only fields the index templates map, with types that fit their use", () => {
    const fields = mappedFields();
    const problems: string[] = [];
    let checked = 0;
    for (const o of objects)
      for (const [field, use] of fieldUses(o)) {
        checked++;
        const type = fields.get(field);
        if (!type) problems.push(`${o.id}: ${field} is not mapped`);
        else if (!FITS[use].includes(type))
          problems.push(`${o.id}: ${field} is ${type}, which cannot be used as ${use}`);
      }
    expect(checked).toBeGreaterThan(25);
    expect(problems).toEqual([]);
  });

  it("has data views whose patterns match the names of the indices OpsDeck writes", () => {
    const pattern = (id: string) =>
      new RegExp(`^${(byId.get(`index-pattern:${id}`)!.attributes.title as string).replace("*", ".*")}$`);
    expect(indexName.logs("opsdeck")).toMatch(pattern(KIBANA_IDS.logsDataView));
    expect(indexName.events("opsdeck")).toMatch(pattern(KIBANA_IDS.eventsDataView));
    expect(indexName.import("opsdeck", "a1b2")).toMatch(pattern(KIBANA_IDS.importsDataView));
    expect(indexName.logs("opsdeck")).not.toMatch(pattern(KIBANA_IDS.eventsDataView));
    expect(savedObjects("acme")[0].attributes.title).toBe("acme-logs-*");
  });

  it("is what opsdeck.example.yml's Kibana view opens", () => {
    const text = readFileSync(new URL("../../opsdeck.example.yml", import.meta.url), "utf8");
    const ids = [...text.matchAll(/path: "app\/dashboards#\/view\/([\w-]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect([id, byId.has(`dashboard:${id}`)]).toEqual([id, true]);
  });
});

describe("the Kibana import script", () => {
  let kibana: Server | undefined;
  afterEach(() => kibana?.close());

  /** A Kibana stand-in: unavailable for its first `warmup` status calls, then checks the import as Kibana does. */
  async function standIn(o: { warmup: number; refuse?: string }) {
    const seen = { status: 0, imports: [] as { overwrite: string | null; objects: SavedObject[] }[] };
    const port = await freePort();
    const body = async (req: IncomingMessage) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    };
    kibana = createServer(async (req, res) => {
      const url = new URL(req.url!, "http://x");
      const json = (code: number, value: unknown) =>
        res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(value));
      if (req.headers.authorization !== `Basic ${Buffer.from("elastic:pw").toString("base64")}`)
        return json(401, { statusCode: 401, error: "Unauthorized" });
      if (url.pathname === "/kibana/api/status") {
        seen.status++;
        return seen.status <= o.warmup
          ? json(503, { status: { overall: { level: "unavailable" } } })
          : json(200, { status: { overall: { level: "available" } } });
      }
      if (url.pathname === "/kibana/api/saved_objects/_import" && req.method === "POST") {
        if (req.headers["kbn-xsrf"] === undefined)
          return json(400, { statusCode: 400, message: "Request must contain a kbn-xsrf header." });
        const type = String(req.headers["content-type"]);
        const boundary = /boundary=(.+)$/.exec(type)?.[1];
        if (!type.startsWith("multipart/form-data") || !boundary) return json(415, { statusCode: 415 });
        const text = await body(req);
        const part = text.split(`--${boundary}`).find((p) => /name="file"; filename="[^"]+\.ndjson"/.test(p));
        if (!part)
          return json(400, { statusCode: 400, message: "[request body.file]: expected value of type [Stream]" });
        const lines = part
          .slice(part.indexOf("\r\n\r\n") + 4)
          .trim()
          .split("\n");
        const parsed = lines.map((l) => JSON.parse(l) as SavedObject);
        seen.imports.push({ overwrite: url.searchParams.get("overwrite"), objects: parsed });
        if (o.refuse)
          return json(200, {
            success: false,
            successCount: parsed.length - 1,
            errors: [{ id: o.refuse, type: "lens", error: { type: "unsupported_type" } }],
          });
        return json(200, { success: true, successCount: parsed.length });
      }
      json(404, { statusCode: 404 });
    }).listen(port, "127.0.0.1");
    return { url: `http://127.0.0.1:${port}/kibana/`, seen };
  }

  it("waits for Kibana under its base path, then imports every object, overwriting", async () => {
    const { url, seen } = await standIn({ warmup: 2 });
    const result = await importSavedObjects({
      url,
      username: "elastic",
      password: "pw",
      ndjson: toNdjson(objects),
      timeoutMs: 20_000,
    });
    expect(result).toEqual({ imported: objects.length });
    expect(seen.status).toBe(3);
    expect(seen.imports).toEqual([{ overwrite: "true", objects }]);
    // Twice is the same: the second import overwrites with the same objects.
    await importSavedObjects({ url, username: "elastic", password: "pw", ndjson: toNdjson(objects) });
    expect(seen.imports[1]).toEqual(seen.imports[0]);
  }, 30_000);

  it("fails, naming the object, unless Kibana reports success", async () => {
    const { url } = await standIn({ warmup: 0, refuse: "opsdeck-log-levels" });
    await expect(
      importSavedObjects({ url, username: "elastic", password: "pw", ndjson: toNdjson(objects) }),
    ).rejects.toThrow("Kibana did not import every object (HTTP 200): lens opsdeck-log-levels: unsupported_type");
  });

  it("fails on wrong credentials, and gives up when Kibana never becomes available", async () => {
    const { url } = await standIn({ warmup: 1000 });
    await expect(
      importSavedObjects({ url, username: "elastic", password: "wrong", ndjson: toNdjson(objects), timeoutMs: 1 }),
    ).rejects.toThrow(`Kibana at ${url.replace(/\/$/, "")} did not become available (HTTP 401)`);
    await expect(
      importSavedObjects({ url, username: "elastic", password: "pw", ndjson: toNdjson(objects), timeoutMs: 2500 }),
    ).rejects.toThrow("did not become available (HTTP 503)");
  }, 20_000);
});
