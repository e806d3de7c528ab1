// The rehearsal's Docker engine and Compose: Debian's dockerd, started when none answers (as
// root), with runc wrapped to fit this machine's limits; Compose v5 as the CLI plugin.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SERVER_BINARIES } from "@opsdeck/stack";
import { BASE_IMAGE, baseImage, standInImages } from "./images.ts";
import { CACHE, docker, DOCKER_CONFIG, env, eventually, run } from "./shell.ts";

/**
 * This machine's hard limits (open files 20,000, locked memory 8 MiB) are below what the compose
 * file asks for Elasticsearch (65,536, unlimited), and root may not raise them: runc would refuse
 * to start the container. A server's dockerd runs with LimitNOFILE=infinity. So the rehearsal's
 * engine runs runc through this wrapper, which lowers each rlimit of the container's spec to what
 * the machine allows — the engine is the stand-in here, not the compose file.
 */
function cappedRunc(): string {
  const limit = (flag: string) => run("bash", ["-c", `ulimit -H${flag}`]).trim();
  const caps = {
    RLIMIT_NOFILE: limit("n"),
    RLIMIT_MEMLOCK: limit("l") === "unlimited" ? "unlimited" : String(Number(limit("l")) * 1024),
  };
  const file = join(CACHE, "runc-capped");
  const node = process.execPath;
  const runc = run("bash", ["-c", "command -v runc"]).trim();
  writeFileSync(
    file,
    `#!/bin/bash
# Written by scripts/compose-rehearsal.ts: runc, with the container's rlimits capped at ${JSON.stringify(caps)}.
# The spec is the bundle's config.json (create, run) or --process's file (exec: healthchecks).
spec=""
prev=""
for arg in "$@"; do
  { [ "$prev" = --bundle ] || [ "$prev" = -b ]; } && spec=$arg/config.json
  { [ "$prev" = --process ] || [ "$prev" = -p ]; } && spec=$arg
  case "$arg" in --bundle=*) spec=\${arg#--bundle=}/config.json ;; --process=*) spec=\${arg#--process=} ;; esac
  prev=$arg
done
if [ -n "$spec" ] && [ -f "$spec" ]; then
  ${node} -e '
    // Text, not JSON.parse: an unlimited rlimit is 2^64-1, beyond a JavaScript number.
    const fs = require("fs"), file = process.argv[1], caps = ${JSON.stringify(caps)};
    const spec = fs.readFileSync(file, "utf8").replace(
      /"type":"(RLIMIT_[A-Z]+)",\\s*"hard":\\s*(\\d+),\\s*"soft":\\s*(\\d+)/g,
      (whole, type, hard, soft) => {
        if (caps[type] === undefined || caps[type] === "unlimited") return whole;
        const cap = BigInt(caps[type]), h = BigInt(hard) < cap ? BigInt(hard) : cap, s = BigInt(soft) < h ? BigInt(soft) : h;
        return \`"type":"\${type}","hard":\${h},"soft":\${s}\`;
      },
    );
    fs.writeFileSync(file, spec);
  ' "$spec"
fi
exec ${runc} "$@"
`,
  );
  chmodSync(file, 0o755);
  return file;
}

/** No Docker engine can run on this machine: exit 3, which .ci/run reports without failing. */
export class NoEngine extends Error {}

export async function engine() {
  // Written every time: a running engine of an earlier rehearsal runs its containers through it.
  const runtime = cappedRunc();
  // node-exporter mounts the host's / with rslave, which needs / to be a shared mount, as
  // systemd makes it on a server; this machine's is private.
  if (process.getuid?.() === 0 && run("findmnt", ["-no", "PROPAGATION", "/"]).trim() === "private")
    run("mount", ["--make-rshared", "/"]);
  if (spawnSync("docker", ["info"], { env }).status === 0) return "running";
  if (process.getuid?.() !== 0) throw new NoEngine("no Docker engine answers, and only root can start one here");
  mkdirSync(CACHE, { recursive: true });
  // Docker picks its storage driver (overlay2 where the kernel has it; vfs, slow and ~10× the
  // disk, only where it has not). Its containers run through runc with their rlimits capped.
  const daemon = spawn("dockerd", ["--add-runtime", `capped=${runtime}`, "--default-runtime", "capped"], {
    detached: true,
    stdio: ["ignore", "ignore", "ignore"],
  });
  daemon.unref();
  await eventually("dockerd", () => spawnSync("docker", ["info"], { env }).status === 0 || undefined, 60_000).catch(
    (err: Error) => {
      throw new NoEngine(`dockerd did not start: ${err.message}`);
    },
  );
  return `started dockerd (${docker("info", "-f", "{{.Driver}}").trim()})`;
}

export function composePlugin() {
  mkdirSync(join(DOCKER_CONFIG, "cli-plugins"), { recursive: true });
  cpSync(SERVER_BINARIES.dockerCompose, join(DOCKER_CONFIG, "cli-plugins", "docker-compose"));
  return run("docker", ["compose", "version", "--short"]).trim();
}

type Step = <T>(check: string, fn: () => Promise<T> | T) => Promise<T>;

/** What every rehearsal starts with, each a step: the engine, Compose, the base image, the stand-ins. */
export async function dockerReady(step: Step) {
  await step("Docker engine", engine);
  await step("Docker Compose (built from its Go module)", composePlugin);
  await step(`base image ${BASE_IMAGE}`, baseImage);
  await step("stand-in images under the compose files' names", standInImages);
}

/**
 * Runs a rehearsal to its end: stop() after it (with the reason, on a failure or Ctrl-C), exit 0 or 1 —
 * or 3 where no Docker engine can run (.ci/run says so and skips it).
 */
export function rehearse(name: string, main: () => Promise<void>, stop: (failure?: string) => Promise<void>) {
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => {
      console.error(`\n${name}: ${signal}`);
      void stop(signal).finally(() => process.exit(130));
    });
  main().then(
    () => stop().then(() => process.exit(0)),
    async (err: Error) => {
      if (err instanceof NoEngine) {
        console.error(`\n${name}: ${err.message}`);
        process.exit(3);
      }
      await stop(err.message.slice(0, 4000));
      process.exit(1);
    },
  );
}
