// The hosts OpsDeck watches: those in opsdeck.yml (`hosts:`) and those added from the portal,
// kept in the hosts file beside it (agents.hosts_file). opsdeck.yml wins a name in both.
import { readFileSync, statSync } from "node:fs";
import { parse, stringify } from "yaml";
import { z } from "zod";
import { replaceFile } from "../atomic-file.ts";
import { hostListSchema, type Host } from "../config/hosts.ts";

const hostsFileSchema = z.object({ hosts: hostListSchema.default([]) }).strict();

export class HostsFileError extends Error {}

/**
 * The last read of each hosts file, by its inode, size and time: the push check reads the list
 * on every write a push host makes. writeHostsFile renames a new file in, so a change is a new inode.
 */
const lastRead = new Map<string, { key: string; hosts: Host[] }>();

/** The hosts file's list; a file that does not exist yet is an empty one. */
export function readHostsFile(file: string): Host[] {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return [];
  }
  const key = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  const cached = lastRead.get(file);
  if (cached?.key === key) return cached.hosts;
  const hosts = parseHostsFile(file);
  lastRead.set(file, { key, hosts });
  return hosts;
}

function parseHostsFile(file: string): Host[] {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, "utf8")) ?? {};
  } catch (err) {
    throw new HostsFileError(`${file}: not YAML: ${(err as Error).message}`);
  }
  const parsed = hostsFileSchema.safeParse(doc);
  if (!parsed.success)
    throw new HostsFileError(
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(file)"}: ${i.message}`).join("; ")}`,
    );
  return parsed.data.hosts;
}

const HEADER =
  "# Hosts OpsDeck watches besides those in opsdeck.yml, written by the portal (Hosts page).\n" +
  "# Hand edits are fine: OpsDeck re-reads this file within seconds.\n";

/** Writes the hosts file; returns once it is on disk. */
export function writeHostsFile(file: string, hosts: Host[]) {
  replaceFile(file, HEADER + stringify({ hosts }));
}

export interface WatchedHost extends Host {
  /** Where it is listed: only the hosts file's entries can be changed from the portal. */
  source: "opsdeck.yml" | "hosts file";
}

export function mergeHosts(fromConfig: Host[], fromFile: Host[]): WatchedHost[] {
  const names = new Set(fromConfig.map((h) => h.name));
  return [
    ...fromConfig.map((h) => ({ ...h, source: "opsdeck.yml" as const })),
    ...fromFile.filter((h) => !names.has(h.name)).map((h) => ({ ...h, source: "hosts file" as const })),
  ];
}
