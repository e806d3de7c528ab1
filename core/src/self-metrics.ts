// Each exporter's own process metrics (CPU, memory, event loop, GC) from prom-client, served
// beside the metrics it exports. Standard names (process_*, nodejs_*), told apart by the job label.
import { Gauge, Registry, collectDefaultMetrics } from "prom-client";
import corePackage from "../package.json" with { type: "json" };

/** OpsDeck's version, as every service reports it (the Hosts page shows each agent's). */
export const OPSDECK_VERSION: string = corePackage.version;

/** prom-client gauges named like counters; `promtool check metrics` rightly rejects them. */
const MISNAMED = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];

export function selfRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED) registry.removeSingleMetric(name);
  new Gauge({
    name: "opsdeck_build_info",
    help: "Always 1; the OpsDeck version this process runs.",
    labelNames: ["version"],
    registers: [registry],
  }).set({ version: OPSDECK_VERSION }, 1);
  return registry;
}
