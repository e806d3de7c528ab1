// The OpsDeck image under a real Docker engine: builds it from the Dockerfile, then starts each
// OpsDeck service of docker-compose.monitoring.yml the way compose would — its command, its
// environment (interpolated from a generated .env), opsdeck.example.yml read-only, the data
// volume — on a network of their own, and runs each service's compose healthcheck inside its
// container until it passes. Also: every container runs as the image's non-root user, and the
// portal reaches the deploy exporter by its service name.
//
//   npm run docker-smoke                       # docker build, then the checks
//   npm run docker-smoke -- --image opsdeck:x  # an image built before
//
// OPSDECK_NODE_IMAGE passes the Dockerfile's NODE_IMAGE (a local base where no registry is
// reachable). Not part of npm test: it needs a Docker engine and minutes of image building.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { hashPassword } from "@opsdeck/core";

const REPO = join(import.meta.dirname, "..");
const SERVICES = ["deploy-exporter", "business-exporter", "notifier", "portal"] as const;

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
}

const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8" }).trim();
const tryDocker = (...args: string[]) => spawnSync("docker", args, { encoding: "utf8" });

/** A .env as a user fills it: every CHANGE_ME a fresh secret, the admin's password hashed. */
async function environment(): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(REPO, ".env.example"), "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    const value = m?.[2].replace(/^'(.*)'$/, "$1");
    if (m) env[m[1]] = value === "CHANGE_ME" ? randomBytes(16).toString("hex") : value!;
  }
  env.OPSDECK_HOST_NAME = "smoke";
  env.OPSDECK_PUBLIC_URL = "http://smoke.example";
  env.OPSDECK_PORTAL_ADMIN_HASH = await hashPassword("smoke-password-1");
  return env;
}

/** Compose's ${NAME}, ${NAME:-default} and ${NAME:?error} in one value. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
    const v = env[name];
    if (v) return v;
    if (op === "?") throw new Error(`compose would refuse to start: ${arg}`);
    return op === "-" ? (arg ?? "") : "";
  });
}

async function main() {
  const args = process.argv.slice(2);
  const given = args.includes("--image") ? args[args.indexOf("--image") + 1] : undefined;
  if (tryDocker("info").status !== 0) throw new Error("no Docker engine answers (docker info failed)");
  const image = given ?? "opsdeck:smoke";
  if (!given) {
    const base = process.env.OPSDECK_NODE_IMAGE ? ["--build-arg", `NODE_IMAGE=${process.env.OPSDECK_NODE_IMAGE}`] : [];
    console.log(`docker-smoke: building ${image}`);
    execFileSync("docker", ["build", "--network", "host", ...base, "-t", image, REPO], {
      stdio: "inherit",
      env: { ...process.env, DOCKER_BUILDKIT: process.env.DOCKER_BUILDKIT ?? "0" },
    });
  }
  const compose = parse(readFileSync(join(REPO, "docker-compose.monitoring.yml"), "utf8"), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  const env = await environment();
  const run = `opsdeck-smoke-${process.pid}`;
  const results: { service: string; user: string; healthy: string }[] = [];
  docker("network", "create", run);
  docker("volume", "create", run);
  try {
    for (const name of SERVICES) {
      const s = compose.services[name];
      const vars = Object.entries(s.environment ?? {}).flatMap(([k, v]) => [
        "-e",
        `${k}=${interpolate(String(v), env)}`,
      ]);
      docker(
        "run",
        "-d",
        "--name",
        `${run}-${name}`,
        "--network",
        run,
        "--network-alias",
        name,
        "-v",
        `${join(REPO, "opsdeck.example.yml")}:/opsdeck/opsdeck.yml:ro`,
        "-v",
        `${run}:/opsdeck/data`,
        ...vars,
        image,
        ...(s.command ?? []),
      );
    }
    for (const name of SERVICES) {
      const container = `${run}-${name}`;
      const test = compose.services[name].healthcheck!.test;
      const command = test[0] === "CMD-SHELL" ? ["sh", "-c", test[1]] : test.slice(1);
      const started = Date.now();
      let healthy = "";
      while (!healthy && Date.now() - started < 90_000) {
        if (tryDocker("exec", container, ...command).status === 0)
          healthy = `${((Date.now() - started) / 1000).toFixed(1)} s`;
        else await new Promise((r) => setTimeout(r, 1000));
      }
      const user = docker("exec", container, "id", "-un");
      results.push({ service: name, user, healthy: healthy || "NOT HEALTHY after 90 s" });
      if (!healthy) console.log(tryDocker("logs", "--tail", "30", container).stderr);
    }
    // The portal finds the deploy exporter by its compose name, as opsdeck.yml tells it to.
    const reach = tryDocker(
      "exec",
      `${run}-portal`,
      "node",
      "-e",
      "fetch(process.env.OPSDECK_DEPLOY_URL + '/api/v1/deploys').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))",
    );
    results.push({
      service: "portal → deploy-exporter",
      user: "",
      healthy: reach.status === 0 ? "reached" : "NOT REACHED",
    });
    // The admin signs in with the password whose hash came through .env (the hash holds $ signs).
    const signIn = tryDocker(
      "exec",
      `${run}-portal`,
      "node",
      "-e",
      `fetch("http://127.0.0.1:8090/api/auth/signin", { method: "POST", body: new URLSearchParams({ name: "admin", password: "smoke-password-1" }), redirect: "manual" })
        .then((r) => process.exit(r.headers.getSetCookie().some((c) => c.startsWith("opsdeck_session=")) ? 0 : 1), () => process.exit(1))`,
    );
    results.push({
      service: "portal sign-in (admin)",
      user: "",
      healthy: signIn.status === 0 ? "signed in" : "NOT SIGNED IN",
    });
  } finally {
    for (const name of SERVICES) tryDocker("rm", "-f", `${run}-${name}`);
    tryDocker("network", "rm", run);
    tryDocker("volume", "rm", run);
  }
  console.table(results);
  const failed = results.filter((r) => /NOT/.test(r.healthy) || (r.user && r.user !== "node"));
  if (failed.length) throw new Error(`docker-smoke: ${failed.map((f) => f.service).join(", ")} failed`);
  console.log("docker-smoke: every OpsDeck service of the compose stack starts, as node, and passes its healthcheck");
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
