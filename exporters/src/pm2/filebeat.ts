// Filebeat's health as metrics. Filebeat serves its counters as JSON on /stats (http.enabled in
// filebeat/filebeat.yml), which Prometheus cannot scrape; the PM2 exporter, the agent that already
// runs beside the apps whose logs Filebeat ships, reads it on each refresh and renders filebeat_*.
// The same fields exist in Filebeat 7.17 and 8.x.
import { z } from "zod";
import { family, render, set } from "../lib/series.ts";

const count = z.number().nonnegative().default(0);
const statsSchema = z.object({
  beat: z.object({
    info: z.object({ version: z.string().default("unknown"), uptime: z.object({ ms: count }).prefault({}) }),
  }),
  filebeat: z
    .object({
      harvester: z.object({ running: count, open_files: count }).prefault({}),
    })
    .prefault({}),
  libbeat: z.object({
    output: z.object({
      events: z.object({ acked: count, failed: count, dropped: count, active: count, duplicates: count }).prefault({}),
      write: z.object({ errors: count }).prefault({}),
      read: z.object({ errors: count }).prefault({}),
    }),
    pipeline: z.object({
      events: z.object({ active: count, published: count, dropped: count, failed: count, retry: count }).prefault({}),
    }),
  }),
});
export type FilebeatStats = z.infer<typeof statsSchema>;

/** Filebeat's /stats, or why it could not be read. */
export async function readFilebeatStats(url: string, timeoutMs: number): Promise<FilebeatStats | Error> {
  try {
    const res = await fetch(new URL("/stats", url), { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return new Error(`${url}/stats answered ${res.status}`);
    const parsed = statsSchema.safeParse(await res.json());
    return parsed.success
      ? parsed.data
      : new Error(`${url}/stats: not Filebeat's stats (${parsed.error.issues[0].message})`);
  } catch (err) {
    return err as Error;
  }
}

/** The filebeat_* families; without stats only filebeat_up 0 (so "Filebeat is down" can alert). */
export function renderFilebeat(stats: FilebeatStats | undefined): string {
  const up = family({
    name: "filebeat_up",
    help: "Whether Filebeat's stats endpoint answered the last refresh.",
    type: "gauge",
    labelNames: [],
  });
  set(up, [], stats ? 1 : 0);
  if (!stats) return render([up]);
  const g = (name: string, help: string) => family({ name, help, type: "gauge", labelNames: [] });
  const info = family({ name: "filebeat_info", help: "Filebeat's version.", type: "gauge", labelNames: ["version"] });
  set(info, [stats.beat.info.version], 1);
  const uptime = g("filebeat_uptime_seconds", "Seconds since Filebeat started (its counters start at zero then).");
  set(uptime, [], stats.beat.info.uptime.ms / 1000);
  const out = stats.libbeat.output.events;
  const events = family({
    name: "filebeat_output_events_total",
    help: "Events Filebeat's output handled, by outcome: acked (stored by Elasticsearch), failed (to be retried), dropped (lost), duplicates.",
    type: "counter",
    labelNames: ["outcome"],
  });
  for (const outcome of ["acked", "failed", "dropped", "duplicates"] as const) set(events, [outcome], out[outcome]);
  const errors = family({
    name: "filebeat_output_errors_total",
    help: "Errors writing to or reading from Elasticsearch's connection.",
    type: "counter",
    labelNames: ["direction"],
  });
  set(errors, ["write"], stats.libbeat.output.write.errors);
  set(errors, ["read"], stats.libbeat.output.read.errors);
  const pipeline = stats.libbeat.pipeline.events;
  const active = g(
    "filebeat_pipeline_events_active",
    "Events read from files and not yet acknowledged by Elasticsearch.",
  );
  set(active, [], pipeline.active);
  const published = family({
    name: "filebeat_pipeline_events_total",
    help: "Events through Filebeat's pipeline, by outcome: published, dropped (by a processor or an error), failed, retry.",
    type: "counter",
    labelNames: ["outcome"],
  });
  for (const outcome of ["published", "dropped", "failed", "retry"] as const)
    set(published, [outcome], pipeline[outcome]);
  const harvesters = g("filebeat_harvesters_running", "Files Filebeat is reading now.");
  set(harvesters, [], stats.filebeat.harvester.running);
  return render([up, info, uptime, events, errors, active, published, harvesters]);
}
