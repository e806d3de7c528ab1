// Grafana's and Kibana's stand-ins in the compose rehearsal (APP=grafana or kibana): neither is
// served to this machine. Each answers where the real one would (Grafana under its sub-path,
// Kibana under server.basePath), the health / status API its compose healthcheck calls, and —
// for Kibana — the saved-object import, checking what Kibana checks (the kbn-xsrf header,
// credentials Elasticsearch accepts). Every request is recorded (method, path, headers) in the
// app's data volume, so the rehearsal can see what the front door sends them; Grafana's auth
// proxy sign-ups go to its "database" (grafana.db, a JSON list here), which backups carry.
// Bundled by npm run compose-rehearsal into the image as recorder.mjs.
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";

const app = process.env.APP === "kibana" ? "kibana" : "grafana";
const data = app === "grafana" ? "/var/lib/grafana" : "/usr/share/kibana/data";
const base = app === "grafana" ? "/grafana/" : "/kibana";

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

function record(req: IncomingMessage) {
  appendFileSync(
    join(data, "requests.jsonl"),
    JSON.stringify({ time: new Date().toISOString(), method: req.method, url: req.url, headers: req.headers }) + "\n",
  );
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Grafana refuses to start on provisioning it cannot read: so does this. */
function checkGrafanaProvisioning() {
  const dir = "/etc/grafana/provisioning";
  const datasources = readdirSync(join(dir, "datasources")).filter((f) => /\.ya?ml$/.test(f));
  if (!datasources.length) throw new Error(`no datasources in ${dir}/datasources`);
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith(".json") ? [join(d, e.name)] : [],
    );
  const dashboards = walk(join(dir, "dashboards"));
  for (const file of dashboards) JSON.parse(readFileSync(file, "utf8"));
  if (process.env.GF_SERVER_SERVE_FROM_SUB_PATH !== "true" || !process.env.GF_SERVER_ROOT_URL?.endsWith("/grafana/"))
    throw new Error("GF_SERVER_ROOT_URL must end in /grafana/ with GF_SERVER_SERVE_FROM_SUB_PATH=true");
  console.log(`grafana stand-in: ${datasources.length} datasource files, ${dashboards.length} dashboards`);
}

function grafanaUser(name: string) {
  const db = join(data, "grafana.db");
  const users = existsSync(db) ? (JSON.parse(readFileSync(db, "utf8")) as string[]) : [];
  if (!users.includes(name)) writeFileSync(db, JSON.stringify([...users, name]));
}

async function kibanaImport(req: IncomingMessage, res: ServerResponse) {
  if (!req.headers["kbn-xsrf"]) return json(res, 400, { message: "Request must contain a kbn-xsrf header." });
  const es = await fetch("http://elasticsearch:9200/_security/_authenticate", {
    headers: { authorization: req.headers.authorization ?? "" },
  }).catch(() => undefined);
  if (!es?.ok) return json(res, 401, { statusCode: 401, error: "Unauthorized" });
  const text = await body(req);
  const objects = text.split("\n").filter((line) => line.startsWith("{"));
  writeFileSync(join(data, "saved-objects.ndjson"), objects.join("\n") + "\n");
  json(res, 200, { success: true, successCount: objects.length });
}

if (app === "grafana") checkGrafanaProvisioning();
if (!existsSync(join(data, "grafana.db")) && app === "grafana") writeFileSync(join(data, "grafana.db"), "[]");

createServer((req, res) => {
  const path = (req.url ?? "/").split("?")[0];
  if (!path.startsWith(base)) return json(res, 404, { message: "Not found" });
  if (app === "grafana" && path === "/grafana/api/health") return json(res, 200, { database: "ok", version: "12.4.0" });
  if (app === "kibana" && path === "/kibana/api/status")
    return json(res, 200, { version: { number: "8.19.21" }, status: { overall: { level: "available" } } });
  record(req);
  if (app === "kibana" && req.method === "POST" && path === "/kibana/api/saved_objects/_import")
    return void kibanaImport(req, res);
  const user = req.headers["x-webauth-user"];
  if (app === "grafana" && typeof user === "string") grafanaUser(user);
  res.writeHead(200, { "content-type": "text/html" }).end(`<!doctype html><title>${app} stand-in</title>`);
}).listen(app === "grafana" ? 3000 : 5601, "0.0.0.0");
