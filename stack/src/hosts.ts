// The hosts' agents for the central Prometheus: the target files from the host lists, and the
// password Prometheus sends them, in a file only Prometheus reads.
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Config } from "@opsdeck/core";
import { writeTargetFiles } from "@opsdeck/core/hosts/file-sd";
import { mergeHosts, readHostsFile } from "@opsdeck/core/hosts/host-list";
import type { AgentScrape } from "./prometheus.ts";

/**
 * Writes the target files and the password file; returns how Prometheus scrapes the agents, or
 * nothing when no password is set (then no host may be listed: their exporters require one).
 */
export function prepareAgentScrape(opts: {
  config: Pick<Config, "hosts" | "agents">;
  /** opsdeck.yml's directory: relative paths in it start there. */
  baseDir: string;
  prometheusDir: string;
  /** 0o644 where Prometheus runs as another user (compose: nobody) and alone mounts the directory. */
  passwordFileMode?: number;
}): AgentScrape | undefined {
  const { agents } = opts.config;
  const hosts = mergeHosts(opts.config.hosts, readHostsFile(resolve(opts.baseDir, agents.hosts_file)));
  const targetsDir = resolve(opts.baseDir, agents.targets_dir);
  writeTargetFiles(targetsDir, hosts);
  if (!agents.password) {
    if (hosts.length)
      throw new Error(
        `agents.password: required with hosts (${hosts.map((h) => h.name).join(", ")}): their exporters ask for basic auth; set OPSDECK_AGENT_PASSWORD`,
      );
    return undefined;
  }
  mkdirSync(opts.prometheusDir, { recursive: true });
  const passwordFile = join(opts.prometheusDir, "agent-password");
  writeFileSync(passwordFile, agents.password, { mode: opts.passwordFileMode ?? 0o600 });
  chmodSync(passwordFile, opts.passwordFileMode ?? 0o600); // mode applies only when the file is created
  return {
    targetsDir,
    username: agents.username,
    passwordFile,
    scheme: agents.scheme,
    caFile: agents.ca_file && resolve(opts.baseDir, agents.ca_file),
  };
}
