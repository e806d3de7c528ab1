// What sign-ins cost everyone else: /api/health latency while 8 clients sign in without pause,
// against the same latency idle — for the portal (async scrypt at OWASP's cost, two at a time)
// and, in the same run, a server doing what the portal did before (scryptSync at N=2^14 on the
// event loop, every request).
import { scryptSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { stringify } from "yaml";
import { hashPassword } from "@opsdeck/core";
import { freePort, launchPortal } from "@opsdeck/stack";
import { summary, type Row } from "@opsdeck/stack/bench-stats";
import { tempDir } from "@opsdeck/stack/testkit";

const SIGNERS = 8;
const SECONDS = 8;

/** /api/health latencies (ms) for `seconds`, 20 a second. */
async function healthLatencies(base: string, seconds: number): Promise<number[]> {
  const out: number[] = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const t = performance.now();
    await (await fetch(`${base}/api/health`)).arrayBuffer();
    out.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 50));
  }
  return out;
}

/** Keeps SIGNERS clients signing in with wrong passwords, each as a new name from a new address, so every attempt is hashed (none throttled). */
function signInLoad(base: string, stop: () => boolean): Promise<number> {
  let count = 0;
  return Promise.all(
    Array.from({ length: SIGNERS }, async (_, i) => {
      while (!stop()) {
        const res = await fetch(`${base}/api/auth/signin`, {
          method: "POST",
          body: new URLSearchParams({ name: `user${i}-${count}`, password: "wrong" }),
          redirect: "manual",
          // A different client each time, so the address back-off does not refuse before hashing.
          headers: { "x-forwarded-for": `198.51.100.${count % 250}` },
        });
        await res.arrayBuffer();
        count++;
      }
    }),
  ).then(() => count);
}

async function measure(what: string, base: string): Promise<Row[]> {
  const idle = summary(await healthLatencies(base, 3));
  let stopped = false;
  const load = signInLoad(base, () => stopped);
  const busy = summary(await healthLatencies(base, SECONDS));
  stopped = true;
  const signIns = await load;
  return [
    { server: what, load: "idle", ...idle, sign_ins_per_s: 0 },
    { server: what, load: `${SIGNERS} signing in`, ...busy, sign_ins_per_s: Math.round(signIns / SECONDS) },
  ];
}

/** What the portal did before: scryptSync at N=2^14 for every sign-in, on the event loop. */
async function blockingServer(): Promise<{ base: string; close(): void }> {
  const port = await freePort();
  const server = http.createServer((req, res) => {
    if (req.url === "/api/health") return void res.end('{"status":"ok"}');
    req.resume();
    req.on("end", () => {
      scryptSync("wrong", "saltsaltsaltsalt", 32, { N: 16384, r: 8, p: 1 });
      res.writeHead(303, { location: "/signin?error=bad" }).end();
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return { base: `http://127.0.0.1:${port}`, close: () => server.close() };
}

export async function benchSignIn(): Promise<Row[]> {
  const dir = tempDir("bench-signin");
  const port = await freePort();
  const file = join(dir, "opsdeck.yml");
  writeFileSync(
    file,
    stringify({
      log: { level: "error" },
      portal: {
        port,
        session_secret: "bench-session-secret-0123456789abcdef",
        // The load's addresses count as clients: behind a "proxy" on 127.0.0.1.
        trusted_proxies: ["127.0.0.1"],
        users: [{ name: "ops", password_hash: await hashPassword("bench-password-1"), role: "operator" }],
      },
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  const portal = await launchPortal({ configFile: file, url: base });
  const before = await blockingServer();
  try {
    return [
      ...(await measure("portal (async scrypt N=2^15 p=3, 2 at a time)", base)),
      ...(await measure("before: scryptSync N=2^14 per request", before.base)),
    ];
  } finally {
    before.close();
    await portal.stop();
  }
}
