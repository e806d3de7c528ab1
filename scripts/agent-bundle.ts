// `npm run agent-bundle`: what an app server needs to run OpsDeck's agent, in one tarball
// (dist/opsdeck-agent-<version>.tar.gz): node-exporter at the pinned version (the binary the
// tests run), blackbox_exporter (for a vantage point), the PM2 exporter's bundle with only the packages it imports, Filebeat with
// filebeat/filebeat.yml (the central server's), the systemd units, and install-agent.sh. The app server needs Node.js (it runs PM2) and nothing else: no Go, no
// npm registry, no Docker.
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OPSDECK_VERSION } from "@opsdeck/core/self-metrics";
import {
  BLACKBOX_EXPORTER_VERSION,
  FILEBEAT_CONFIG,
  FILEBEAT_HOME,
  FILEBEAT_VERSION,
  NODE_COLLECTORS,
  NODE_EXPORTER_VERSION,
  PROMETHEUS_VERSION,
  REPO,
  SERVER_BINARIES,
} from "@opsdeck/stack";
import { buildAll } from "./build.ts";

/** The npm packages a bundle imports (bare specifiers, by package name). */
export function importedPackages(bundle: string): string[] {
  const specifiers = [...bundle.matchAll(/\bfrom\s+"([^".][^"]*)"|\bimport\("([^".][^"]*)"\)/g)].map(
    (m) => m[1] ?? m[2],
  );
  return [
    ...new Set(
      specifiers
        .filter((s) => !s.startsWith("node:"))
        .map((s) => (s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0])),
    ),
  ].sort();
}

/** `withPrometheus`: also Prometheus (agent mode, for hosts in push mode; ~100 MB more). */
export async function makeAgentBundle(outDir = join(REPO, "dist"), withPrometheus = false): Promise<string> {
  await buildAll();
  const name = `opsdeck-agent-${OPSDECK_VERSION}`;
  const dir = join(outDir, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "bin"), { recursive: true });
  copyFileSync(SERVER_BINARIES.nodeExporter, join(dir, "bin/node_exporter"));
  // A vantage point for probes (install-agent.sh --probes-url): blackbox and its modules' fetcher.
  copyFileSync(SERVER_BINARIES.blackboxExporter, join(dir, "bin/blackbox_exporter"));
  if (withPrometheus) copyFileSync(SERVER_BINARIES.prometheus, join(dir, "bin/prometheus"));
  copyFileSync(join(FILEBEAT_HOME, "filebeat"), join(dir, "bin/filebeat"));
  copyFileSync(FILEBEAT_CONFIG, join(dir, "filebeat.yml"));
  // With Docker on the app server: node-exporter (and Filebeat, profile logs) from compose.
  copyFileSync(join(REPO, "docker-compose.agent.yml"), join(dir, "docker-compose.agent.yml"));
  for (const f of ["exporter.mjs", "exporter.mjs.map"]) copyFileSync(join(REPO, "dist", f), join(dir, f));
  cpSync(join(REPO, "provisioning/systemd/agent"), join(dir, "systemd"), { recursive: true });
  for (const script of ["install-agent.sh", "agent-preflight.sh", "fetch-probes.sh"])
    copyFileSync(join(REPO, "scripts", script), join(dir, script));
  writeFileSync(
    join(dir, "VERSIONS"),
    [
      `OPSDECK_VERSION=${OPSDECK_VERSION}`,
      `NODE_EXPORTER_VERSION=${NODE_EXPORTER_VERSION}`,
      `BLACKBOX_EXPORTER_VERSION=${BLACKBOX_EXPORTER_VERSION}`,
      `FILEBEAT_VERSION=${FILEBEAT_VERSION}`,
      ...(withPrometheus ? [`PROMETHEUS_VERSION=${PROMETHEUS_VERSION}`] : []),
      // The collectors the central stack runs (the rules, the portal and the Host dashboard read these).
      `NODE_COLLECTORS="${NODE_COLLECTORS.map((c) => `--collector.${c}`).join(" ")}"`,
    ].join("\n") + "\n",
  );
  // The packages at the versions installed here (package-lock.json's): tested together.
  const dependencies = Object.fromEntries(
    importedPackages(readFileSync(join(REPO, "dist/exporter.mjs"), "utf8")).map((pkg) => [
      pkg,
      (JSON.parse(readFileSync(join(REPO, "node_modules", pkg, "package.json"), "utf8")) as { version: string })
        .version,
    ]),
  );
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name, private: true, type: "module", dependencies }, null, 2) + "\n",
  );
  execFileSync("npm", ["install", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: dir,
    stdio: "inherit",
  });
  const tarball = join(outDir, `${name}.tar.gz`);
  execFileSync("tar", ["-czf", tarball, "-C", outDir, name]);
  return tarball;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const tarball = await makeAgentBundle(join(REPO, "dist"), process.argv.includes("--with-prometheus"));
  const name = tarball.split("/").pop()!;
  console.log(`agent bundle: ${tarball}
On the app server, beside web.yml (npm run agent-credentials here) — README, "Add a server":
  tar xzf ${name}
  sudo ${name.replace(/\.tar\.gz$/, "")}/install-agent.sh --web-config web.yml --pm2-user <the apps' user> --listen <its address>`);
}
