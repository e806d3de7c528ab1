// scripts/preflight.sh on this machine (no Docker engine here): it finds what is missing and
// says how to fix each, and it accepts a filled .env while refusing placeholders and weak secrets.
import { execFile } from "node:child_process";
import { chmodSync, copyFileSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPO } from "@opsdeck/stack";
import { tempDir } from "@opsdeck/stack/testkit";

/** Runs the script in a copy of the layout it expects, with this .env. */
async function preflight(
  env: string | undefined,
  mode = 0o600,
  extraEnv: NodeJS.ProcessEnv = {},
  files: Record<string, { text: string; mode: number }> = {},
) {
  const dir = tempDir("preflight");
  mkdirSync(join(dir, "scripts"));
  copyFileSync(join(REPO, "scripts/preflight.sh"), join(dir, "scripts/preflight.sh"));
  for (const [name, file] of Object.entries(files)) {
    writeFileSync(join(dir, name), file.text);
    chmodSync(join(dir, name), file.mode);
  }
  if (env !== undefined) {
    writeFileSync(join(dir, ".env"), env);
    chmodSync(join(dir, ".env"), mode);
  }
  return promisify(execFile)("bash", [join(dir, "scripts/preflight.sh")], {
    env: { ...process.env, ...extraEnv },
  }).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
  );
}

const example = readFileSync(join(REPO, ".env.example"), "utf8");
const filled = example
  .replace(/^PM2_HOME=.*$/m, "PM2_HOME=/home/deploy/.pm2")
  .replace(/^OPSDECK_PUBLIC_URL=.*$/m, "OPSDECK_PUBLIC_URL=http://ops.example.com")
  .replaceAll("CHANGE_ME", "0123456789abcdef0123456789abcdef");

/** A directory on PATH with a stand-in `ufw` that prints this status (ufw needs root and a kernel firewall). */
function fakeUfw(status: string) {
  const bin = tempDir("preflight-bin");
  writeFileSync(join(bin, "ufw"), `#!/bin/sh\ncat <<'STATUS'\n${status}\nSTATUS\n`);
  chmodSync(join(bin, "ufw"), 0o755);
  return { PATH: `${bin}:${process.env.PATH}` };
}

describe("scripts/preflight.sh", () => {
  it("names each problem with its fix, and exits with how many there are", async () => {
    const { code, out } = await preflight(undefined);
    expect(out).toContain("FIX   .env is missing");
    expect(out).toContain("→ cp .env.example .env && chmod 600 .env");
    expect(out).toContain("FIX   opsdeck.yml is missing");
    expect(code).toBe(out.split("\n").filter((l) => l.startsWith("  FIX")).length);
    expect(code).toBeGreaterThanOrEqual(2);
  });

  it("refuses placeholders, short secrets and an .env others can read", async () => {
    const { out } = await preflight(example.replace(/^OPSDECK_DEPLOY_TOKEN=.*$/m, "OPSDECK_DEPLOY_TOKEN=short"), 0o644);
    expect(out).toMatch(/FIX {3}\.env still has placeholders: OPSDECK_HOST_NAME OPSDECK_PUBLIC_URL PM2_HOME /);
    expect(out).toContain("FIX   secrets shorter than 16 characters: OPSDECK_DEPLOY_TOKEN");
    expect(out).toContain("FIX   .env is readable by others");
  });

  it("refuses a session secret the portal would refuse (under 32 characters)", async () => {
    const { out } = await preflight(
      filled.replace(/^OPSDECK_PORTAL_SESSION_SECRET=.*$/m, "OPSDECK_PORTAL_SESSION_SECRET=0123456789abcdef0123"),
    );
    expect(out).toContain("FIX   OPSDECK_PORTAL_SESSION_SECRET must be 32 characters or more");
    expect(example).toMatch(/32 characters or more[^\n]*\n(#[^\n]*\n)*OPSDECK_PORTAL_SESSION_SECRET=/);
  });

  it("refuses certbot's live/ links, which dangle in nginx's container, and accepts what the deploy hook copies", async () => {
    const le = tempDir("letsencrypt");
    mkdirSync(join(le, "archive/ops.example.com"), { recursive: true });
    mkdirSync(join(le, "live/ops.example.com"), { recursive: true });
    for (const f of ["fullchain", "privkey"]) {
      writeFileSync(join(le, `archive/ops.example.com/${f}1.pem`), `${f}\n`);
      symlinkSync(`../../archive/ops.example.com/${f}1.pem`, join(le, `live/ops.example.com/${f}.pem`));
    }
    const https = (dir: string) =>
      filled
        .replace(/^OPSDECK_PUBLIC_URL=.*$/m, "OPSDECK_PUBLIC_URL=https://localhost")
        .replace(/^OPSDECK_TLS_DIR=.*$/m, `OPSDECK_TLS_DIR=${dir}`);
    const live = await preflight(https(join(le, "live/ops.example.com")));
    expect(live.out).toContain("fullchain.pem privkey.pem link outside the directory");
    expect(live.out).toContain("scripts/certbot-deploy-hook.sh");

    const copied = join(tempDir("opsdeck-tls"), "tls");
    await promisify(execFile)("bash", [join(REPO, "scripts/certbot-deploy-hook.sh")], {
      env: {
        ...process.env,
        RENEWED_LINEAGE: join(le, "live/ops.example.com"),
        OPSDECK_TLS_DIR: copied,
        PATH: "/usr/bin:/bin",
      },
    });
    expect(lstatSync(join(copied, "privkey.pem")).isSymbolicLink()).toBe(false);
    expect(lstatSync(join(copied, "privkey.pem")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(copied, "fullchain.pem"), "utf8")).toBe("fullchain\n");
    const ok = await preflight(https(copied));
    expect(ok.out).toContain(`ok    TLS certificate in ${copied}`);
  });

  it("says the one rule to add when ufw would drop the compose network's scrapes of the host", async () => {
    const active = await preflight(filled, 0o600, fakeUfw("Status: active\n\nTo Action From\n22/tcp ALLOW Anywhere"));
    expect(active.out).toContain("→ sudo ufw allow proto tcp from 172.16.0.0/12 to 172.17.0.1 port 9100,9209");
    const allowed = await preflight(
      filled,
      0o600,
      fakeUfw("Status: active\n\nTo Action From\n172.17.0.1 9100,9209/tcp     ALLOW       172.16.0.0/12"),
    );
    expect(allowed.out).toContain("ok    ufw lets the compose network reach the host's exporters");
    const inactive = await preflight(filled, 0o600, fakeUfw("Status: inactive"));
    expect(inactive.out).not.toContain("ufw");
  });

  it("runs each listed database type's exporter, with its password, and keeps databases.env private", async () => {
    const opsdeck = {
      text: 'databases:\n  - { name: main, type: postgres, address: 127.0.0.1:5432, user: monitor, password: "${PG}" }\n  - { name: cache, type: "redis", address: 127.0.0.1:6379 }\n#  - { name: orders, type: mysql, address: 10.0.0.22:3306 }\n',
      mode: 0o644,
    };
    const { out } = await preflight(
      filled.replace(/^COMPOSE_PROFILES=.*$/m, "COMPOSE_PROFILES=postgres"),
      0o600,
      {},
      {
        "opsdeck.yml": opsdeck,
        "databases.env": { text: "PG=secret\n", mode: 0o644 },
      },
    );
    expect(out).toContain("ok    the postgres exporter runs (COMPOSE_PROFILES)");
    expect(out).toContain("FIX   opsdeck.yml lists a redis database but its exporter would not run");
    expect(out).toContain("→ add redis to COMPOSE_PROFILES in .env");
    expect(out).toContain("FIX   databases.env is readable by others");
    expect(out).not.toContain("mysql"); // opsdeck.example.yml's commented examples are not databases
    const ready = await preflight(
      filled.replace(/^COMPOSE_PROFILES=.*$/m, "COMPOSE_PROFILES=redis,postgres"),
      0o600,
      {},
      {
        "opsdeck.yml": opsdeck,
        "databases.env": { text: "PG=secret\n", mode: 0o600 },
      },
    );
    expect(ready.out).not.toMatch(/FIX .*(database|exporter)/);
    const noPassword = await preflight(
      filled.replace(/^OPSDECK_DATABASE_EXPORTER_PASSWORD=.*$/m, "OPSDECK_DATABASE_EXPORTER_PASSWORD="),
      0o600,
      {},
      { "opsdeck.yml": opsdeck },
    );
    expect(noPassword.out).toContain(
      "FIX   opsdeck.yml lists databases but OPSDECK_DATABASE_EXPORTER_PASSWORD is empty",
    );
  });

  it("accepts a filled .env", async () => {
    const { out } = await preflight(filled);
    expect(out).toContain("ok    .env filled");
    expect(out).not.toMatch(/FIX {3}(\.env|secrets|KIBANA_ENCRYPTION_KEY|OPSDECK_PUBLIC_URL)/);
  });
});
