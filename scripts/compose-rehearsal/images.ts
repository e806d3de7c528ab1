// The stand-in images: a Debian base made with debootstrap, and one image per third-party image
// of the compose file under its exact name and tag (images/<name>/), built once per content.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { build } from "esbuild";
import { parse as parseYaml } from "yaml";
import { ES_HOME, FILEBEAT_HOME, REPO, SERVER_BINARIES } from "@opsdeck/stack";
import { CACHE, docker, env, run } from "./shell.ts";

const IMAGES = join(REPO, "scripts/compose-rehearsal/images");
const STAND_INS = join(REPO, "scripts/compose-rehearsal/stand-ins");
export const BASE_IMAGE = "opsdeck-rehearsal/bookworm:12";
const FILEBEAT_BIN = join(FILEBEAT_HOME, "filebeat");

const imageExists = (tag: string) => spawnSync("docker", ["image", "inspect", tag], { env }).status === 0;
const imageLabel = (tag: string) =>
  spawnSync("docker", ["image", "inspect", "-f", '{{index .Config.Labels "opsdeck.rehearsal"}}', tag], {
    env,
    encoding: "utf8",
  }).stdout?.trim();

/** Debian bookworm from Debian's mirror (debootstrap), with this machine's CA bundle. */
export function baseImage() {
  if (imageExists(BASE_IMAGE)) return "cached";
  const rootfs = join(CACHE, "rootfs");
  if (!existsSync(join(rootfs, "etc/debian_version"))) {
    rmSync(rootfs, { recursive: true, force: true });
    run("debootstrap", [
      "--variant=minbase",
      "--include=ca-certificates,curl,wget,procps",
      "bookworm",
      rootfs,
      "http://deb.debian.org/debian",
    ]);
  }
  // This machine's egress re-signs TLS with its own CA; images built here must trust it too.
  cpSync("/etc/ssl/certs/ca-certificates.crt", join(rootfs, "etc/ssl/certs/ca-certificates.crt"));
  run("bash", ["-c", `tar -C '${rootfs}' -c . | docker import - ${BASE_IMAGE}`]);
  return "debootstrap bookworm → docker import";
}

/** What goes into each stand-in's build context beside its Dockerfile. */
async function contextFiles(name: string, dir: string) {
  const bundle = async (entry: string, out: string) =>
    build({
      entryPoints: [join(STAND_INS, entry)],
      outfile: join(dir, out),
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "warning",
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    });
  const binaries: Record<string, string[]> = {
    prometheus: [SERVER_BINARIES.prometheus, SERVER_BINARIES.promtool],
    alertmanager: [SERVER_BINARIES.alertmanager, SERVER_BINARIES.amtool],
    "node-exporter": [SERVER_BINARIES.nodeExporter],
    "blackbox-exporter": [SERVER_BINARIES.blackboxExporter],
    "elasticsearch-exporter": [SERVER_BINARIES.elasticsearchExporter],
    "postgres-exporter": [SERVER_BINARIES.postgresExporter],
    "mysqld-exporter": [SERVER_BINARIES.mysqldExporter],
    "redis-exporter": [SERVER_BINARIES.redisExporter],
    filebeat: [FILEBEAT_BIN],
  };
  for (const file of binaries[name] ?? []) cpSync(file, join(dir, file.split("/").pop()!));
  if (name === "node") {
    cpSync(process.execPath, join(dir, "node"));
    cpSync(join(dirname(process.execPath), "../lib/node_modules/npm"), join(dir, "npm"), { recursive: true });
  }
  if (["elasticsearch", "grafana", "kibana"].includes(name)) cpSync(process.execPath, join(dir, "node"));
  if (name === "elasticsearch") {
    cpSync(ES_HOME, join(dir, "elasticsearch"), { recursive: true });
    await bundle("elasticsearch-front.ts", "front.mjs");
    // Debian's gcc (this machine's); the image's base is the same bookworm, so the same glibc.
    run("gcc", ["-shared", "-fPIC", "-O2", "-o", join(dir, "nofile.so"), join(dir, "nofile.c"), "-ldl"]);
  }
  if (name === "grafana" || name === "kibana") await bundle("recorder.ts", "recorder.mjs");
}

/** A stand-in's identity: its folder and what is copied in (by size and time), so a warm run skips it. */
function standInHash(name: string): string {
  const h = createHash("sha256");
  h.update(docker("image", "inspect", "-f", "{{.Id}}", BASE_IMAGE));
  const add = (path: string) => {
    const s = statSync(path);
    if (s.isDirectory()) {
      h.update(path);
      return;
    }
    h.update(`${path} ${s.size} ${s.mtimeMs}`);
  };
  for (const file of spawnSync("find", [join(IMAGES, name), STAND_INS, "-type", "f"], { encoding: "utf8" })
    .stdout.split("\n")
    .filter(Boolean))
    h.update(readFileSync(file));
  for (const file of [
    process.execPath,
    FILEBEAT_BIN,
    ...Object.values(SERVER_BINARIES).filter(existsSync),
    join(ES_HOME, "lib"),
  ])
    if (existsSync(file)) add(file);
  return h.digest("hex").slice(0, 16);
}

/** Services whose image another service's stand-in plays (the same image, another job). */
const PLAYED_BY: Record<string, string> = {
  "front-door-logs": "nginx",
  sentinel: "redis",
  "ha-certs": "elasticsearch",
  "elasticsearch-witness": "elasticsearch",
};

/** Every third-party image of the compose file, by the stand-in that plays it. */
function standInTags(): Record<string, string> {
  const services = ["docker-compose.monitoring.yml", "docker-compose.ha.yml"].flatMap(
    (name) =>
      Object.entries(
        (
          parseYaml(readFileSync(join(REPO, name), "utf8"), { merge: true }) as {
            services: Record<string, { image?: string }>;
          }
        ).services,
      ).filter(([, s]) => s.image !== undefined) as [string, { image: string }][],
  );
  const tags: Record<string, string> = {};
  for (const [service, s] of services) {
    if (s.image.startsWith("opsdeck/")) continue;
    const standIn = PLAYED_BY[service] ?? service;
    if (!existsSync(join(IMAGES, standIn, "Dockerfile"))) throw new Error(`no stand-in for ${service} (${s.image})`);
    tags[standIn] = s.image;
  }
  const node = /^ARG NODE_IMAGE=(\S+)$/m.exec(readFileSync(join(REPO, "Dockerfile"), "utf8"))![1];
  return { node, ...tags };
}

export async function standInImages() {
  const built: string[] = [];
  for (const [name, tag] of Object.entries(standInTags())) {
    const hash = standInHash(name);
    if (imageExists(tag) && imageLabel(tag) === hash) continue;
    const dir = join(CACHE, "contexts", name);
    rmSync(dir, { recursive: true, force: true });
    cpSync(join(IMAGES, name), dir, { recursive: true });
    await contextFiles(name, dir);
    run("docker", ["build", "--label", `opsdeck.rehearsal=${hash}`, "-t", tag, dir]);
    rmSync(dir, { recursive: true, force: true });
    built.push(tag);
  }
  return built.length ? `built ${built.join(", ")}` : "all cached";
}
