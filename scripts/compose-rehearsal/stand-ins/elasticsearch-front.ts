// In front of the test distribution inside the Elasticsearch stand-in image, on :9200: what a
// full distribution answers and the test one cannot. `GET /` (stack/src/elasticsearch-front.ts,
// as natively), and the _security role and user API that the compose stack's init job calls,
// mapped onto the file realm (roles.yml, and users through elasticsearch-users), which the test
// distribution keeps, where its native realm cannot (its .security index needs a module it
// lacks). Like the API, it takes only a superuser's credentials, checked by Elasticsearch itself.
// Bundled by npm run compose-rehearsal into the image as front.mjs.
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync, renameSync } from "node:fs";
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { startElasticsearchFront } from "../../../stack/src/elasticsearch-front.ts";

const HOME = "/usr/share/elasticsearch";
const ELASTICSEARCH = "http://127.0.0.1:9201";
const INNER_FRONT_PORT = 9202;
const ROLES_FILE = `${HOME}/config/roles.yml`;
/** kibana_system is a reserved user the file realm cannot hold: its password is recorded here. */
const RESERVED_PASSWORDS = `${HOME}/data/reserved-passwords.json`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function answer(res: ServerResponse, status: number, body: unknown) {
  res
    .writeHead(status, { "content-type": "application/json", "x-elastic-product": "Elasticsearch" })
    .end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Elasticsearch says who the credentials are; only a superuser may use the _security API. */
async function isSuperuser(authorization: string | undefined): Promise<boolean> {
  if (!authorization) return false;
  const res = await fetch(`${ELASTICSEARCH}/_security/_authenticate`, { headers: { authorization } });
  if (!res.ok) return false;
  const who = (await res.json()) as { roles?: string[] };
  return who.roles?.includes("superuser") ?? false;
}

// One elasticsearch-users run at a time: each rewrites the users files whole.
let usersQueue: Promise<unknown> = Promise.resolve();
function elasticsearchUsers(args: string[]): Promise<string> {
  const run = usersQueue.then(() =>
    promisify(execFile)(`${HOME}/bin/elasticsearch-users`, args, { env: process.env }).then((r) => r.stdout),
  );
  usersQueue = run.catch(() => undefined);
  return run;
}

async function putRole(name: string, body: Record<string, unknown>) {
  const roles = existsSync(ROLES_FILE)
    ? ((parse(readFileSync(ROLES_FILE, "utf8")) as Record<string, unknown>) ?? {})
    : {};
  const { metadata: _metadata, ...role } = body;
  const created = !(name in roles);
  roles[name] = role;
  writeFileSync(`${ROLES_FILE}.new`, stringify(roles));
  renameSync(`${ROLES_FILE}.new`, ROLES_FILE); // the file realm reloads it within seconds
  return { role: { created } };
}

async function putUser(name: string, body: { password?: string; roles?: string[] }) {
  if (!body.password || !Array.isArray(body.roles)) throw new Error("password and roles are required");
  const existing = (await elasticsearchUsers(["list"])).split("\n").some((l) => l.split(/\s*:/)[0].trim() === name);
  if (existing) await elasticsearchUsers(["userdel", name]);
  await elasticsearchUsers(["useradd", name, "-p", body.password, "-r", body.roles.join(",")]);
  return { created: !existing };
}

async function changePassword(name: string, body: { password?: string }) {
  if (!body.password) throw new Error("password is required");
  if (name === "kibana_system" || name === "elastic") {
    const known = existsSync(RESERVED_PASSWORDS) ? JSON.parse(readFileSync(RESERVED_PASSWORDS, "utf8")) : {};
    writeFileSync(RESERVED_PASSWORDS, JSON.stringify({ ...known, [name]: new Date().toISOString() }));
  } else await elasticsearchUsers(["passwd", name, "-p", body.password]);
  return {};
}

function proxy(req: IncomingMessage, res: ServerResponse) {
  const out = request(
    { host: "127.0.0.1", port: INNER_FRONT_PORT, method: req.method, path: req.url, headers: req.headers },
    (upstream) => {
      res.writeHead(upstream.statusCode ?? 502, upstream.headers);
      upstream.pipe(res);
    },
  );
  out.on("error", () => answer(res, 502, { error: "elasticsearch is not answering" }));
  req.pipe(out);
}

async function main() {
  // Elasticsearch takes a while to start; the front answers once it does.
  for (;;) {
    const up = await fetch(`${ELASTICSEARCH}/`).then(
      () => true,
      () => false,
    );
    if (up) break;
    await sleep(1000);
  }
  await startElasticsearchFront({ upstream: ELASTICSEARCH, port: INNER_FRONT_PORT });
  createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const role = /^\/_security\/role\/([^/]+)$/.exec(path);
    const user = /^\/_security\/user\/([^/]+)$/.exec(path);
    const password = /^\/_security\/user\/([^/]+)\/_password$/.exec(path);
    const write = req.method === "PUT" || req.method === "POST";
    if (!write || !(role || user || password)) return proxy(req, res);
    void (async () => {
      if (!(await isSuperuser(req.headers.authorization)))
        return answer(res, 403, { error: { type: "security_exception", reason: "a superuser may manage security" } });
      try {
        const body = await readBody(req);
        const name = decodeURIComponent((role ?? user ?? password)![1]);
        const result = role
          ? await putRole(name, body)
          : user
            ? await putUser(name, body as { password?: string; roles?: string[] })
            : await changePassword(name, body as { password?: string });
        answer(res, 200, result);
      } catch (err) {
        answer(res, 400, { error: { type: "illegal_argument_exception", reason: (err as Error).message } });
      }
    })();
  }).listen(9200, "0.0.0.0");
}

void main();
