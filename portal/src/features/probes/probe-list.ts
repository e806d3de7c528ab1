// The probes operators add in the portal: kept in the portal's probes file (probes.yml in its
// data directory), run like opsdeck.yml's. After every change, and every few seconds (a hand
// edit), the portal writes their blackbox modules, targets and series (source "portal") and
// merges blackbox.yml; blackbox and Prometheus re-read those by themselves. opsdeck.yml's probes
// are not the portal's to read (their headers may hold secrets): it knows their names from the
// targets they were written to, and refuses those names.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import { z } from "zod";
import { probeListSchema, probeSchema, type Probe } from "@opsdeck/core";
import { replaceFile } from "@opsdeck/core/atomic-file";
import { probeNames, writeProbeFiles } from "@opsdeck/core/probes/blackbox";
import { watchedHosts } from "@/features/hosts/host-lists.ts";
import { config, configRelative } from "@/lib/config.ts";

/** A probe as the portal takes it: opsdeck.yml's, without a CA file (a path on the server). */
export const portalProbeSchema = probeSchema.refine((p) => !p.ca_file, {
  path: ["ca_file"],
  message: "a private CA is set in opsdeck.yml, not from the portal",
});

const probesFileSchema = z.object({ probes: probeListSchema.default([]) }).strict();

export const probesFilePath = () => configRelative(join(config().portal.data_dir, "probes.yml"));
const targetsDir = () => configRelative(config().agents.targets_dir);

export class ProbeChangeError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The portal's probes; a file that does not exist yet is an empty list. */
export function portalProbes(): Probe[] {
  const file = probesFilePath();
  if (!existsSync(file)) return [];
  const parsed = probesFileSchema.safeParse(parse(readFileSync(file, "utf8")) ?? {});
  if (!parsed.success)
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data.probes;
}

/** opsdeck.yml's probe names, as the native stack or compose's init last wrote them. */
export const configuredProbeNames = () => probeNames(targetsDir(), "opsdeck");

/**
 * Writes the portal's probes for blackbox and Prometheus, leaving out a name opsdeck.yml took
 * since (opsdeck.yml wins); returns the files rewritten and the names left out.
 */
export function syncProbes(): { rewritten: string[]; shadowed: string[] } {
  const taken = new Set(configuredProbeNames());
  const probes = portalProbes();
  const rewritten = writeProbeFiles(
    { targetsDir: targetsDir(), source: "portal" },
    probes.filter((p) => !taken.has(p.name)),
    watchedHosts(),
  );
  return { rewritten, shadowed: probes.filter((p) => taken.has(p.name)).map((p) => p.name) };
}

const HEADER =
  "# Probes added in the portal (Probes page), run beside opsdeck.yml's. Hand edits are fine:\n" +
  "# the portal re-reads this file within seconds.\n";

let queue: Promise<unknown> = Promise.resolve();

/**
 * Applies a change to the probes file, one change at a time (two operators at once must not lose
 * one), then the files blackbox and Prometheus read. Resolves with the probes before and after
 * once both are on disk.
 */
export function changeProbes(change: (probes: Probe[]) => Probe[]): Promise<{ before: Probe[]; after: Probe[] }> {
  const next = queue.then(() => {
    const before = portalProbes();
    const probes = probeListSchema.parse(change(before));
    mkdirSync(dirname(probesFilePath()), { recursive: true });
    // Its headers may be an endpoint's token: for the portal's user alone.
    replaceFile(probesFilePath(), HEADER + stringify({ probes }), 0o600);
    syncProbes();
    return { before, after: probes };
  });
  queue = next.catch(() => undefined);
  return next;
}

/** The list again if it has a probe of this name (a change may go on), else the refusal: 404, or 409 for one of opsdeck.yml's. */
export function changeableProbe(name: string, probes: Probe[]): Probe[] {
  if (configuredProbeNames().includes(name))
    throw new ProbeChangeError(409, `"${name}" is declared in opsdeck.yml: change it there`);
  if (!probes.some((p) => p.name === name)) throw new ProbeChangeError(404, `no probe "${name}" added in the portal`);
  return probes;
}
