// scripts/agent-preflight.sh on this machine: a central server (a stand-in that answers with a
// chosen Date header) ahead or in step, a port taken, a real PM2 daemon's home. The firewall
// line depends on the machine, so it is not asserted here.
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pm2, REPO } from "@opsdeck/stack";
import { tempDir } from "@opsdeck/stack/testkit";

const dir = tempDir("agent-preflight");
const pm2Home = join(dir, "pm2");
let central: Server;
let centralUrl: string;
/** What the central stand-in says the time is, relative to ours. */
let offsetSeconds = 0;

const preflight = (args: string[]) =>
  promisify(execFile)("bash", [join(REPO, "scripts/agent-preflight.sh"), ...args]).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
  );

beforeAll(async () => {
  central = createServer((_req, res) =>
    res.writeHead(200, { date: new Date(Date.now() + offsetSeconds * 1000).toUTCString() }).end("{}"),
  );
  await new Promise<void>((r) => central.listen(0, "127.0.0.1", r));
  centralUrl = `http://127.0.0.1:${(central.address() as { port: number }).port}`;
  await pm2(pm2Home, ["ping"]);
});
afterAll(async () => {
  central?.close();
  await pm2(pm2Home, ["kill"]).catch(() => undefined);
});

describe("agent-preflight.sh", () => {
  it("finds the PM2 daemon, the clock in step, and says which port is taken", async () => {
    const taken = (central.address() as { port: number }).port;
    const r = await preflight([
      "--central",
      centralUrl,
      "--pm2-home",
      pm2Home,
      "--node-exporter-port",
      String(taken),
      "--pm2-exporter-port",
      "1",
    ]);
    expect(r.out).toContain(`ok    PM2 daemon at ${pm2Home}`);
    expect(r.out).toMatch(/ok {4}clock within \d s of the central server's/);
    expect(r.out).toMatch(new RegExp(`FIX   port ${taken} is in use by node`));
    expect(r.out).toMatch(/ok {4}Node\.js v\d+/);
    expect(r.code).toBeGreaterThanOrEqual(1);
  });

  it("says how far the clock is off, and how to fix it", async () => {
    offsetSeconds = -60;
    const r = await preflight(["--central", centralUrl]);
    expect(r.out).toMatch(/FIX {3}this clock is (59|60|61) s off the central server's \(more than 5 s\)/);
    expect(r.out).toContain("timedatectl set-ntp true");
    offsetSeconds = 0;
  });

  it("says when the central server does not answer, and when there is no PM2 daemon", async () => {
    const r = await preflight(["--central", "http://127.0.0.1:1", "--pm2-home", join(dir, "none")]);
    expect(r.out).toContain("FIX   the central server did not answer at http://127.0.0.1:1/api/health");
    expect(r.out).toContain(`FIX   no PM2 daemon socket at ${join(dir, "none")}/rpc.sock`);
  });
});
