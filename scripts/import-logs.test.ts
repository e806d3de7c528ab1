// The import CLI, as a user runs it: a file in, a progress line and a summary out, the events
// in Elasticsearch under the import's name.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { nodeTsArgs, REPO } from "@opsdeck/stack";
import { tempDir } from "@opsdeck/stack/testkit";
import type {} from "@opsdeck/stack/test-elasticsearch";

const exec = promisify(execFile);

describe("npm run import-logs", () => {
  it("imports a file with progress and a summary; a missing file fails clearly", async () => {
    const dir = tempDir("import-cli");
    const config = join(dir, "opsdeck.yml");
    writeFileSync(config, `elasticsearch:\n  url: ${inject("elasticsearchUrl")}\n  index_prefix: t-cli\n`);
    const log = join(dir, "shop.log");
    writeFileSync(
      log,
      Array.from({ length: 50 }, (_, i) => `2026-11-22T10:${String(i).padStart(2, "0")}:00Z INFO line ${i}`).join("\n"),
    );
    const run = (...args: string[]) =>
      exec(process.execPath, [...nodeTsArgs(join(REPO, "scripts/import-logs.ts")), ...args, "--config", config]);
    const { stdout, stderr } = await run(log, "--name", "shop logs");
    expect(stderr).toMatch(/100%\s+[\d.]+\/[\d.]+ MB\s+50 lines/);
    expect(stdout).toMatch(
      /^done: import \S+ "shop logs" — 50 events from 50 lines in 1 file\(s\); 0 bad lines, 0 refused/,
    );
    const res = await fetch(
      `${inject("elasticsearchUrl")}/t-cli-import-*/_count?q=opsdeck.import.name:%22shop%20logs%22`,
    );
    expect(((await res.json()) as { count: number }).count).toBe(50);
    await expect(run(join(dir, "missing.log"))).rejects.toMatchObject({
      stderr: expect.stringMatching(/ENOENT|no such file/),
    });
  });

  it("says why it stopped when an import goes past a limit, and fails", async () => {
    const dir = tempDir("import-cli-limit");
    const config = join(dir, "opsdeck.yml");
    writeFileSync(
      config,
      `elasticsearch:\n  url: ${inject("elasticsearchUrl")}\n  index_prefix: t-cli\n  imports:\n    max_unpacked_mib: 1\n`,
    );
    const log = join(dir, "much.log");
    writeFileSync(log, "2026-11-22T10:00:00Z a line of ordinary text\n".repeat(50_000));
    const run = exec(process.execPath, [...nodeTsArgs(join(REPO, "scripts/import-logs.ts")), log, "--config", config]);
    await expect(run).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/^failed: import /),
      stderr: expect.stringContaining("more than 1 MiB of text unpacked: stopped"),
    });
  });
});
