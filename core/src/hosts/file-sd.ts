// Prometheus' file-based service discovery for the hosts' agents: one target file per job
// (node.json, pm2.json), which Prometheus watches. Adding or removing a host rewrites them; no
// restart, no reload.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { replaceFile } from "../atomic-file.ts";
import type { Host } from "../config/hosts.ts";

/** One entry of a file_sd file. */
export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/** The agent jobs: the same job names as the central host's, so rules and dashboards see all. */
export const AGENT_JOBS = { node: "node_exporter", pm2: "pm2_exporter" } as const;
export type AgentJob = keyof typeof AGENT_JOBS;

export function targetGroups(hosts: Host[]): Record<AgentJob, TargetGroup[]> {
  const groups = (job: AgentJob) =>
    hosts
      .filter((h) => h.enabled && h.mode === "scrape" && h[AGENT_JOBS[job]] !== false)
      .map((h) => ({ targets: [`${h.address}:${h[AGENT_JOBS[job]]}`], labels: { ...h.labels, host: h.name } }));
  return { node: groups("node"), pm2: groups("pm2") };
}

export const targetFile = (dir: string, job: AgentJob) => join(dir, `${job}.json`);

/** Writes the target files that changed; returns the jobs whose file was rewritten. */
export function writeTargetFiles(dir: string, hosts: Host[]): AgentJob[] {
  mkdirSync(dir, { recursive: true });
  const changed: AgentJob[] = [];
  for (const [job, groups] of Object.entries(targetGroups(hosts)) as [AgentJob, TargetGroup[]][]) {
    const file = targetFile(dir, job);
    const content = JSON.stringify(groups, null, 2) + "\n";
    if (existsSync(file) && readFileSync(file, "utf8") === content) continue;
    replaceFile(file, content);
    changed.push(job);
  }
  return changed;
}
