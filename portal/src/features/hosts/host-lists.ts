// The hosts the portal keeps: opsdeck.yml's `hosts:` (read-only here) and the hosts file
// (agents.hosts_file), which the Hosts page changes. After every change, and every few seconds
// (a hand edit of either file), the Prometheus target files are rewritten from both.
import { hostSchema, type Host } from "@opsdeck/core";
import { writeTargetFiles } from "@opsdeck/core/hosts/file-sd";
import { mergeHosts, readHostsFile, writeHostsFile, type WatchedHost } from "@opsdeck/core/hosts/host-list";
import { config, configRelative } from "@/lib/config.ts";

export const hostsFilePath = () => configRelative(config().agents.hosts_file);
const targetsDir = () => configRelative(config().agents.targets_dir);

export const watchedHosts = (): WatchedHost[] => mergeHosts(config().hosts, readHostsFile(hostsFilePath()));

/** Rewrites the target files that no longer match the lists; returns the jobs rewritten. */
export const syncTargets = () => writeTargetFiles(targetsDir(), watchedHosts());

export class HostChangeError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Applies a change to the hosts file, one change at a time (two operators at once must not lose
 * one), then the target files. Resolves once both are on disk.
 */
export function changeHostsFile(change: (hosts: Host[]) => Host[]): Promise<void> {
  const next = queue.then(() => {
    const file = hostsFilePath();
    const changed = hostSchema.array().parse(change(readHostsFile(file)));
    writeHostsFile(file, changed);
    syncTargets();
  });
  queue = next.catch(() => undefined);
  return next;
}

/**
 * A host the Hosts page may change: listed in the hosts file, not in opsdeck.yml — or, for what
 * lives outside both lists (its log key), any listed host.
 */
export function changeable(name: string, { fromOpsdeckYml = false } = {}): void {
  const host = watchedHosts().find((h) => h.name === name);
  if (!host) throw new HostChangeError(404, `no host "${name}"`);
  if (host.source === "opsdeck.yml" && !fromOpsdeckYml)
    throw new HostChangeError(409, `"${name}" is listed in opsdeck.yml: change it there`);
}
