// Shared by the integration tests: temp dirs, configs on free ports, HTTP calls, metric reads.
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { BIN, freePort } from "./index.ts";

export const TOKEN = "test-token-0123456789abcdef";
export const GITHUB_SECRET = "github-secret-0123456789";
export const AXI_TOKEN = "axi-token-0123456789abcdef";

export const tempDir = (name: string) => mkdtempSync(join(tmpdir(), `opsdeck-${name}-`));

export interface TestConfig {
  dir: string;
  file: string;
  ports: { pm2: number; deploy: number; business: number };
  urls: { pm2: string; deploy: string; business: string };
}

/** Writes an opsdeck.yml with free ports and data under `dir`; `extra` is merged into exporters. */
export async function writeConfig(
  dir: string,
  extra: Record<string, Record<string, unknown>> = {},
): Promise<TestConfig> {
  const ports = { pm2: await freePort(), deploy: await freePort(), business: await freePort() };
  const doc = {
    log: { level: "warn" },
    exporters: {
      pm2: { port: ports.pm2, pm2_home: join(dir, "pm2"), poll_interval_seconds: 0.5, ...extra.pm2 },
      deploy: {
        port: ports.deploy,
        token: TOKEN,
        axi_token: AXI_TOKEN,
        data_dir: "deploy",
        github: { secret: GITHUB_SECRET },
        ...extra.deploy,
      },
      business: { port: ports.business, token: TOKEN, data_dir: "business", ...extra.business },
    },
  };
  const file = join(dir, "opsdeck.yml");
  writeFileSync(file, stringify(doc));
  const url = (p: number) => `http://127.0.0.1:${p}`;
  return { dir, file, ports, urls: { pm2: url(ports.pm2), deploy: url(ports.deploy), business: url(ports.business) } };
}

export async function post(
  url: string,
  body: unknown,
  opts: { token?: string | null; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any }> {
  const token = opts.token === undefined ? TOKEN : opts.token;
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...opts.headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: keep the text so the assertion shows it */
  }
  return { status: res.status, body: parsed };
}

export async function getJson(url: string): Promise<any> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return res.json();
}

/** A /metrics page as a map from `name{labels}` to value. */
export async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  return parseMetrics(text);
}

export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

const exec = promisify(execFile);

/**
 * What Prometheus 3 asks a target for (its default scrape_protocols): protobuf, then OpenMetrics,
 * then the text format. A target may answer with any of them; one with a blank or unknown
 * Content-Type fails to scrape unless the job sets fallback_scrape_protocol.
 */
export const PROMETHEUS_3_ACCEPT =
  "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.5," +
  "application/openmetrics-text;version=1.0.0;q=0.4,application/openmetrics-text;version=0.0.1;q=0.3," +
  "text/plain;version=1.0.0;q=0.2,text/plain;version=0.0.4;q=0.1,*/*;q=0.05";

/** Content types Prometheus 3 parses: the text format or OpenMetrics, with a version. */
const SCRAPABLE =
  /^(text\/plain; ?version=(0\.0\.4|1\.0\.0)|application\/openmetrics-text; ?version=(1\.0\.0|0\.0\.1))(;|$)/;

/**
 * `promtool check metrics` on a page fetched as Prometheus 3 fetches it; resolves with what it
 * complains about ("" when clean), and with the Content-Type when Prometheus 3 could not parse it.
 */
export async function promtoolCheckMetrics(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`, { headers: { accept: PROMETHEUS_3_ACCEPT } });
  const type = res.headers.get("content-type") ?? "";
  if (!SCRAPABLE.test(type)) return `Content-Type ${JSON.stringify(type)} is not one Prometheus 3 scrapes`;
  const text = await res.text();
  return new Promise((resolve, reject) => {
    const child = execFile(BIN.promtool, ["check", "metrics"], (err, stdout, stderr) => {
      if (err && !stdout && !stderr) reject(err);
      else resolve(`${stdout}${stderr}`.trim());
    });
    child.stdin!.end(text);
  });
}

export async function promtool(args: string[], cwd?: string): Promise<string> {
  const { stdout, stderr } = await exec(BIN.promtool, args, { cwd });
  return stdout + stderr;
}

/** Polls until `fn` returns a value that passes `ok`; returns it (or throws with the last value). */
export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let error: unknown;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (ok(last)) return last;
    } catch (err) {
      error = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(last)}${error ? `; last error: ${error}` : ""}`,
  );
}

/**
 * A directory as docker-compose.ha.yml's ha-certs leaves it, made by OpenSSL: the servers' CA
 * (ca.crt, 3650 days) and node "a"'s certificate for 10.0.0.5, signed by it (node.crt, 1825 days).
 */
export function makeHaCertificates(): string {
  const dir = tempDir("ha-certs");
  const openssl = (args: string) => execFileSync("openssl", args.split(" "), { cwd: dir, stdio: "pipe" });
  const ca = "-subj /CN=Elastic_Certificate_Tool_Autogenerated_CA";
  openssl(`req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 ${ca}`);
  openssl("req -newkey rsa:2048 -nodes -keyout node.key -out node.csr -subj /CN=a");
  writeFileSync(join(dir, "san.cnf"), "subjectAltName=IP:10.0.0.5\n");
  openssl("x509 -req -in node.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1825 -extfile san.cnf -out node.crt");
  return dir;
}
