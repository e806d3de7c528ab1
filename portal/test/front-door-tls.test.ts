// The front door with TLS (docker-compose.tls.yml's setup, natively): the same site over HTTPS
// with HSTS, and plain HTTP sent there — all but the health check the container probes.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { get as httpsGet } from "node:https";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { freePort, launchPortal, startFrontDoor, type Proc } from "@opsdeck/stack";
import { tempDir } from "@opsdeck/stack/testkit";

const dir = tempDir("front-door-tls");
let portal: Proc;
let nginx: Proc;
let http: string;
let https: string;
let ca: string;

beforeAll(async () => {
  const [portalPort, httpPort, tlsPort] = [await freePort(), await freePort(), await freePort()];
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1",
    "-keyout", join(dir, "privkey.pem"), "-out", join(dir, "fullchain.pem"),
  ], { stdio: "pipe" }); // prettier-ignore
  ca = readFileSync(join(dir, "fullchain.pem"), "utf8");
  const file = join(dir, "opsdeck.yml");
  writeFileSync(
    file,
    stringify({
      log: { level: "warn" },
      portal: { port: portalPort, session_secret: "front-door-tls-secret-0123456789" },
    }),
  );
  portal = await launchPortal({ configFile: file, url: `http://127.0.0.1:${portalPort}` });
  const door = await startFrontDoor({
    dir: join(dir, "nginx"),
    port: httpPort,
    portal: `127.0.0.1:${portalPort}`,
    grafana: `127.0.0.1:${await freePort()}`,
    kibana: `127.0.0.1:${await freePort()}`,
    deploy: `127.0.0.1:${await freePort()}`,
    business: `127.0.0.1:${await freePort()}`,
    prometheus: `127.0.0.1:${await freePort()}`,
    elasticsearch: `127.0.0.1:${await freePort()}`,
    accessLog: join(dir, "access.json.log"),
    tls: { port: tlsPort, cert: join(dir, "fullchain.pem"), key: join(dir, "privkey.pem") },
  });
  nginx = door.proc;
  http = door.url;
  https = `https://127.0.0.1:${tlsPort}`;
}, 120_000);
afterAll(async () => {
  await nginx?.stop();
  await portal?.stop();
});

/** A GET over TLS that trusts only the test's own certificate. */
const getTls = (path: string) =>
  new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>((resolve, reject) =>
    httpsGet(`${https}${path}`, { ca }, (res) => {
      res.resume();
      resolve({ status: res.statusCode!, headers: res.headers });
    }).on("error", reject),
  );

describe("the front door with TLS", () => {
  it("serves the site over HTTPS with HSTS, the same sign-in redirect included", async () => {
    const health = await getTls("/api/health");
    expect(health.status).toBe(200);
    expect(health.headers["strict-transport-security"]).toBe("max-age=31536000; includeSubDomains");
    const page = await getTls("/grafana/d/opsdeck-host");
    expect([page.status, page.headers.location]).toEqual([
      302,
      `/signin?next=${encodeURIComponent("/grafana/d/opsdeck-host")}`,
    ]);
  });

  it("sends plain HTTP to HTTPS, but answers the health check where it is asked", async () => {
    const res = await fetch(`${http}/alerts?x=1`, { redirect: "manual" });
    expect([res.status, res.headers.get("location")]).toEqual([301, "https://127.0.0.1/alerts?x=1"]);
    expect((await fetch(`${http}/api/health`)).status).toBe(200);
  });
});
