// Probes on the real blackbox_exporter, found by the real Prometheus (with OpsDeck's probe
// rules) through the files OpsDeck writes from opsdeck.yml's probes: a page with its keyword
// (then without), a TCP listener (then gone), HTTPS whose server still sends an old certificate
// that expires before its chain does, a certificate 10 days from expiry, a DNS name on a real
// DNS server (dnsmasq) answering right and then not as expected, and a probe added while all run
// — no restart of either.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostListSchema, probeListSchema, type Host } from "@opsdeck/core";
import { blackboxConfigFile, probeTextfileDir, vantageModules, writeProbeFiles } from "@opsdeck/core/probes/blackbox";
import {
  freePort,
  promQuery,
  REPO,
  spawnProc,
  startBlackbox,
  startNodeExporter,
  startTestPrometheus,
  stopAll,
  waitUntil,
  writeWebConfig,
  type Proc,
} from "@opsdeck/stack";
import { eventually, tempDir } from "@opsdeck/stack/testkit";

const dir = tempDir("probes");
const files = { targetsDir: join(dir, "targets"), source: "opsdeck" as const, secretsDir: join(dir, "probe-secrets") };
const procs: Proc[] = [];
let prom: string;
let blackbox: string;
let shop: Server;
let shopPage = "<h1>Demo shop</h1><button>加入购物车</button>";
let tcp: TcpServer;
const ports = { shop: 0, tcp: 0, tls: 0, renewal: 0, dns: 0, redirect: 0 };
const servers: { close(): void }[] = [];
const DAY = 86_400;
const [API_KEY, BEARER] = ["k3y-secret-4711", "t0ken-secret-0815"];
const AGENT = { username: "prometheus", password: "agent-password-0123456789" };
let hosts: Host[] = [];

/**
 * A private CA (root → intermediate → leaves for 127.0.0.1, by openssl): a leaf for 60 days, one
 * for 10, and an old certificate of 5 days that is in no chain — what a server still sending a
 * retired cross-signed intermediate looks like (Let's Encrypt's DST Root CA X3, 2021).
 */
function certificates(dir: string) {
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ext = (name: string, lines: string[]) => writeFileSync(join(dir, name), lines.join("\n") + "\n");
  const key = (name: string) => ssl("genrsa", "-out", `${name}.key`, "2048");
  key("root");
  ssl(
    "req",
    "-x509",
    "-key",
    "root.key",
    "-out",
    "root.pem",
    "-days",
    "3650",
    "-subj",
    "/CN=OpsDeck test root",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
  ext("ca.ext", ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"]);
  ext("leaf.ext", ["basicConstraints=CA:FALSE", "subjectAltName=IP:127.0.0.1", "extendedKeyUsage=serverAuth"]);
  const signed = (name: string, subject: string, issuer: string, days: number, extfile: string) => {
    key(name);
    ssl("req", "-new", "-key", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${subject}`);
    ssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${issuer}.pem`,
      "-CAkey",
      `${issuer}.key`,
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      String(days),
      "-extfile",
      extfile,
    );
  };
  signed("intermediate", "OpsDeck test intermediate", "root", 730, "ca.ext");
  signed("leaf", "127.0.0.1", "intermediate", 60, "leaf.ext");
  signed("renewal", "127.0.0.1", "intermediate", 10, "leaf.ext");
  key("old");
  ssl(
    "req",
    "-x509",
    "-key",
    "old.key",
    "-out",
    "old.pem",
    "-days",
    "5",
    "-subj",
    "/CN=Retired cross-sign",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
  );
  const pem = (name: string) => readFileSync(join(dir, `${name}.pem`), "utf8");
  return { ca: join(dir, "root.pem"), pem, key: (name: string) => readFileSync(join(dir, `${name}.key`), "utf8") };
}
let ca = "";

const probes = () =>
  probeListSchema.parse([
    {
      name: "shop-home",
      type: "http",
      target: `http://127.0.0.1:${ports.shop}/`,
      http: { keyword: "加入购物车" },
      labels: { project: "shop" },
      // Probed from vantage-1's agent too; down once both see it down.
      vantage_points: { hosts: ["vantage-1"], agree: 2 },
    },
    {
      name: "shop-admin",
      type: "http",
      target: `http://127.0.0.1:${ports.shop}/admin`,
      http: { headers: { "X-Api-Key": API_KEY, Authorization: `Bearer ${BEARER}`, Host: "shop.example.test" } },
    },
    {
      name: "shop-basic",
      type: "http",
      target: `http://127.0.0.1:${ports.shop}/basic`,
      http: { headers: { Authorization: `Basic ${Buffer.from("ops:pa ss").toString("base64")}` } },
    },
    { name: "shop-port", type: "tcp", target: `127.0.0.1:${ports.tcp}` },
    { name: "shop-tls", type: "http", target: `https://127.0.0.1:${ports.tls}/`, ca_file: ca },
    { name: "shop-renewal", type: "tls", target: `127.0.0.1:${ports.renewal}`, ca_file: ca },
    // An address with a certificate 10 days from expiry, redirecting to the 60-day one.
    { name: "shop-redirect", type: "http", target: `https://127.0.0.1:${ports.redirect}/`, ca_file: ca },
    // The name server answers 10.1.2.3: right for the one, not what the other expects.
    {
      name: "shop-dns",
      type: "dns",
      target: `127.0.0.1:${ports.dns}`,
      dns: { query_name: "shop.example.test", answer: "\\b10\\.1\\.2\\.3$" },
    },
    {
      name: "shop-dns-moved",
      type: "dns",
      target: `127.0.0.1:${ports.dns}`,
      dns: { query_name: "shop.example.test", answer: "\\b10\\.9\\.9\\.9$" },
    },
  ]);

beforeAll(async () => {
  ports.shop = await freePort();
  ports.tcp = await freePort();
  shop = createServer((req, res) => {
    // An admin page that wants a key and a bearer token, another basic auth: 401 without them.
    const wanted: Record<string, Record<string, string>> = {
      "/admin": { "x-api-key": API_KEY, authorization: `Bearer ${BEARER}` },
      "/basic": { authorization: `Basic ${Buffer.from("ops:pa ss").toString("base64")}` },
    };
    const needs = wanted[req.url ?? ""] ?? {};
    const ok = Object.entries(needs).every(([name, value]) => req.headers[name] === value);
    res.writeHead(ok ? 200 : 401, { "content-type": "text/html" }).end(shopPage);
  });
  await new Promise<void>((r) => shop.listen(ports.shop, "127.0.0.1", r));
  tcp = createTcpServer((socket) => socket.end());
  await new Promise<void>((r) => tcp.listen(ports.tcp, "127.0.0.1", r));
  // A real DNS server on a loopback port, with one name and nothing upstream.
  ports.dns = await freePort();
  const dnsmasq = spawnProc(
    "dnsmasq",
    "/usr/sbin/dnsmasq",
    [
      "--keep-in-foreground",
      "--conf-file=/dev/null",
      `--port=${ports.dns}`,
      "--listen-address=127.0.0.1",
      "--bind-interfaces",
      "--no-resolv",
      "--no-hosts",
      "--pid-file=",
      "--address=/shop.example.test/10.1.2.3",
    ],
    { logFile: join(dir, "dnsmasq.log") },
  );
  procs.push(dnsmasq);
  await waitUntil(
    "dnsmasq",
    async () =>
      readFileSync("/proc/net/udp", "utf8").includes(`:${ports.dns.toString(16).toUpperCase().padStart(4, "0")} `),
    {
      proc: dnsmasq,
      timeoutMs: 10_000,
    },
  );
  const tls = certificates(dir);
  ca = tls.ca;
  for (const [leaf, extra, port] of [
    ["leaf", ["intermediate", "old"], "tls"],
    ["renewal", ["intermediate"], "renewal"],
  ] as const) {
    ports[port] = await freePort();
    const server = createHttpsServer(
      { key: tls.key(leaf), cert: [leaf, ...extra].map(tls.pem).join("") },
      (_req, res) => res.end("ok"),
    );
    await new Promise<void>((r) => server.listen(ports[port], "127.0.0.1", r));
    servers.push(server);
  }
  ports.redirect = await freePort();
  const redirect = createHttpsServer(
    { key: tls.key("renewal"), cert: ["renewal", "intermediate"].map(tls.pem).join("") },
    (_req, res) => res.writeHead(302, { location: `https://127.0.0.1:${ports.tls}/` }).end(),
  );
  await new Promise<void>((r) => redirect.listen(ports.redirect, "127.0.0.1", r));
  servers.push(redirect);
  // A vantage point: an agent's blackbox behind the agents' web config, with the modules the
  // portal would serve it (vantageModules, as GET /api/agent/probes answers).
  const vantagePort = await freePort();
  hosts = hostListSchema.parse([{ name: "vantage-1", address: "127.0.0.1", blackbox_exporter: vantagePort }]);
  writeProbeFiles(files, probes(), hosts);
  const agentConfig = join(dir, "vantage-1-blackbox.yml");
  writeFileSync(agentConfig, vantageModules(files.targetsDir, "vantage-1"));
  writeWebConfig(join(dir, "web.yml"), AGENT);
  writeFileSync(join(dir, "agent-password"), AGENT.password);
  procs.push(
    (
      await startBlackbox({
        port: vantagePort,
        configFile: agentConfig,
        webConfigFile: join(dir, "web.yml"),
        auth: AGENT,
        logFile: join(dir, "vantage-1-blackbox.log"),
      })
    ).proc,
  );
  const box = await startBlackbox({ port: await freePort(), configFile: blackboxConfigFile(files.targetsDir) });
  procs.push(box.proc);
  blackbox = box.url;
  // The central node-exporter's textfile series: each probe's agree count (and slow threshold).
  const node = await startNodeExporter({ port: await freePort(), textfileDir: probeTextfileDir(files.targetsDir) });
  procs.push(node.proc);
  const p = await startTestPrometheus({
    dir: join(dir, "prometheus"),
    scrapeInterval: "1s",
    ruleFiles: [join(REPO, "provisioning/prometheus/rules/probes.yml")],
    probes: { targetsDir: files.targetsDir, blackbox: new URL(blackbox).host },
    agents: { targetsDir: files.targetsDir, username: AGENT.username, passwordFile: join(dir, "agent-password") },
    targets: { node: [new URL(node.url).host] },
  });
  procs.push(p.proc);
  prom = p.url;
});

afterAll(async () => {
  await stopAll(procs);
  shop?.close();
  tcp?.close();
  for (const s of servers) s.close();
});

/** A probe's success, from here (or from the vantage point named). */
const success = async (probe: string, from?: string) =>
  (await promQuery(prom, `probe_success{probe="${probe}"${from ? `,host="${from}"` : ""}}`)).find(
    (s) => from || s.metric.host !== "vantage-1",
  )?.value[1];

describe("probes", () => {
  it("pages no one while only one of its two vantage points sees it down", async () => {
    // vantage-1 gets a page without the keyword (what a stale CDN edge near it would serve): its
    // module asks for words the page lacks, as if the page it saw were another.
    const agentConfig = join(dir, "vantage-1-blackbox.yml");
    const modules = readFileSync(agentConfig, "utf8");
    writeFileSync(agentConfig, modules.replace("加入购物车", "售罄"));
    try {
      // 3 of the last 4 failed from vantage-1 (1 s scrapes), while from here it is up.
      await eventually(
        () =>
          promQuery(
            prom,
            'count_over_time(probe_success{probe="shop-home",host="vantage-1"}[4s]) - sum_over_time(probe_success{probe="shop-home",host="vantage-1"}[4s]) >= 3',
          ),
        (r) => r.length === 1,
        30_000,
      );
      expect(await success("shop-home")).toBe("1");
      // Several evaluations later (1 s each), still no ProbeDown: 1 of the 2 it needs.
      await new Promise((r) => setTimeout(r, 5000));
      expect(await promQuery(prom, 'ALERTS{alertname="ProbeDown",probe="shop-home"}')).toEqual([]);
    } finally {
      writeFileSync(agentConfig, modules);
    }
    await eventually(
      () => promQuery(prom, 'probe_success{probe="shop-home"} == 1'),
      (r) => r.length === 2,
      30_000,
    );
  }, 60_000);

  it("says a page is up while it holds its keyword, and down — because of the keyword — once both its vantage points see it so", async () => {
    const fromBoth = await eventually(
      () => promQuery(prom, 'probe_success{probe="shop-home"} == 1'),
      (s) => s.length === 2,
      30_000,
    );
    expect(fromBoth.map((s) => s.metric.host)).toContain("vantage-1");
    const [series] = fromBoth;
    expect(series.metric).toMatchObject({
      job: "probes",
      probe: "shop-home",
      probe_type: "http",
      project: "shop",
      instance: `http://127.0.0.1:${ports.shop}/`,
    });
    shopPage = "<h1>Demo shop</h1><p>Service unavailable</p>";
    await eventually(
      () => success("shop-home"),
      (v) => v === "0",
      15_000,
    );
    // Why, as a series: the status was fine, the keyword check failed.
    const why = await promQuery(prom, 'probe_failed_due_to_regex{probe="shop-home",host!="vantage-1"}');
    expect(why[0]?.value[1]).toBe("1");
    expect((await promQuery(prom, 'probe_http_status_code{probe="shop-home",host!="vantage-1"}'))[0]?.value[1]).toBe(
      "200",
    );
    // …and in the alert's words, which the DingTalk / WeCom / e-mail message carries.
    const alert = await eventually(
      async () => {
        const res = (await (await fetch(`${prom}/api/v1/alerts`)).json()) as {
          data: { alerts: { labels: Record<string, string>; state: string; annotations: Record<string, string> }[] };
        };
        return res.data.alerts.find((a) => a.labels.alertname === "ProbeDown" && a.labels.probe === "shop-home");
      },
      (a) => a?.state === "firing",
      30_000,
    );
    expect(alert!.annotations.summary).toMatch(
      /^shop-home \(http:\/\/127\.0\.0\.1:\d+\/\) is down \(the keyword is missing\), seen from [\w.-]+, [\w.-]+ \(2 of 2 vantage points\): 3 or more of the last 4 probes failed$/,
    );
    expect(alert!.annotations.summary_zh).toContain("不可用（页面中没有要求的关键字）：");
  }, 60_000);

  it("sends a probe's headers from files blackbox reads, never written into its config", async () => {
    for (const name of ["shop-admin", "shop-basic"])
      await eventually(
        () => success(name),
        (v) => v === "1",
        30_000,
      );
    const config = readFileSync(blackboxConfigFile(files.targetsDir), "utf8");
    for (const secret of [API_KEY, BEARER, "pa ss", Buffer.from("ops:pa ss").toString("base64")])
      expect(config).not.toContain(secret);
    expect(config).toContain("Host: shop.example.test");
    expect(readFileSync(join(files.secretsDir, "shop-admin", "header-x-api-key"), "utf8")).toBe(API_KEY);
  }, 60_000);

  it("says a port is down once nothing listens on it", async () => {
    await eventually(
      () => success("shop-port"),
      (v) => v === "1",
      30_000,
    );
    await new Promise<void>((r) => tcp.close(() => r()));
    await eventually(
      () => success("shop-port"),
      (v) => v === "0",
      15_000,
    );
  }, 60_000);

  it("watches the chain a client verifies, not an old certificate the server also sends", async () => {
    const now = Date.now() / 1000;
    await eventually(
      () => success("shop-tls"),
      (v) => v === "1",
      30_000,
    );
    const value = async (q: string) => Number((await promQuery(prom, q))[0]?.value[1]);
    // The standard rules' series counts the retired certificate (5 days); the chain lasts 60.
    expect((await value('probe_ssl_earliest_cert_expiry{probe="shop-tls"}')) - now).toBeLessThan(6 * DAY);
    const chain = (await value('probe_ssl_last_chain_expiry_timestamp_seconds{probe="shop-tls"}')) - now;
    expect(chain).toBeGreaterThan(59 * DAY);
    expect(chain).toBeLessThan(61 * DAY);
    // OpsDeck's rule: quiet for it, and at the 14-day step for the certificate 10 days from expiry.
    const firing = await eventually(
      () => promQuery(prom, 'ALERTS{alertname="CertificateExpiring"}'),
      (r) => r.some((a) => a.metric.probe === "shop-renewal"),
      30_000,
    );
    expect(firing.map((a) => [a.metric.probe, a.metric.within, a.metric.severity])).toContainEqual([
      "shop-renewal",
      "14d",
      "warning",
    ]);
    // The redirect ends on the 60-day certificate; its first hop's, 10 days from expiry, is the one said.
    const redirected = await eventually(
      () => promQuery(prom, 'ALERTS{alertname="CertificateExpiring",probe="shop-redirect"}'),
      (r) => r.length > 0,
      30_000,
    );
    expect(redirected.map((a) => [a.metric.hop, a.metric.within])).toEqual([["first", "14d"]]);
    expect(await success("shop-redirect")).toBe("1");
    // Of the first hop, only its certificate is kept: it is not a second probe.
    expect((await promQuery(prom, 'probe_success{probe="shop-redirect"}')).length).toBe(1);
  }, 60_000);

  it("asks a DNS server, and says so when its answer is not the expected one", async () => {
    await eventually(
      async () => [await success("shop-dns"), await success("shop-dns-moved")],
      (v) => v.join() === "1,0",
      30_000,
    );
    // It answered: the failure is the answer (the Probes page's "dns_answer"), not the query.
    const answered = await promQuery(prom, 'probe_dns_query_succeeded{probe="shop-dns-moved"}');
    expect(answered[0]?.value[1]).toBe("1");
  }, 60_000);

  it("runs a probe added while blackbox and Prometheus run, without restarting either", async () => {
    const started = procs.map((p) => p.child.pid);
    const added = [
      ...probes(),
      {
        name: "shop-health",
        type: "http" as const,
        target: `http://127.0.0.1:${ports.shop}/health`,
        http: { status: [200] },
      },
    ];
    // The source's modules, blackbox.yml, the targets, and the probes' info series.
    expect(writeProbeFiles(files, probeListSchema.parse(added), hosts)).toHaveLength(4);
    await eventually(
      () => promQuery(prom, 'probe_success{probe="shop-health"}'),
      (r) => r[0]?.value[1] === "1",
      30_000,
    );
    expect(procs.map((p) => p.child.pid)).toEqual(started);
    expect(procs.every((p) => p.child.exitCode === null)).toBe(true);
    // Unchanged probes leave the files as they are.
    expect(writeProbeFiles(files, probeListSchema.parse(added), hosts)).toEqual([]);
  }, 60_000);
});
