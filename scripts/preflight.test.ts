// scripts/preflight.sh on this machine (no Docker engine here): it finds what is missing and
// says how to fix each, and it accepts a filled .env while refusing placeholders and weak secrets.
import { execFile } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { REPO } from "@opsdeck/stack";
import { tempDir } from "@opsdeck/stack/testkit";

/** Runs the script in a copy of the layout it expects, with this .env. */
async function preflight(env: string | undefined, mode = 0o600) {
  const dir = tempDir("preflight");
  mkdirSync(join(dir, "scripts"));
  copyFileSync(join(REPO, "scripts/preflight.sh"), join(dir, "scripts/preflight.sh"));
  if (env !== undefined) {
    writeFileSync(join(dir, ".env"), env);
    chmodSync(join(dir, ".env"), mode);
  }
  return promisify(execFile)("bash", [join(dir, "scripts/preflight.sh")]).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
  );
}

const example = readFileSync(join(REPO, ".env.example"), "utf8");

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

  it("accepts a filled .env", async () => {
    const filled = example
      .replace(/^PM2_HOME=.*$/m, "PM2_HOME=/home/deploy/.pm2")
      .replace(/^OPSDECK_PUBLIC_URL=.*$/m, "OPSDECK_PUBLIC_URL=http://ops.example.com")
      .replaceAll("CHANGE_ME", "0123456789abcdef0123456789abcdef");
    const { out } = await preflight(filled);
    expect(out).toContain("ok    .env filled");
    expect(out).not.toMatch(/FIX {3}(\.env|secrets|KIBANA_ENCRYPTION_KEY|OPSDECK_PUBLIC_URL)/);
  });
});
