// Each exporter's own process metrics (CPU, memory, event loop, GC) from prom-client, served
// beside the metrics it exports. Standard names (process_*, nodejs_*), told apart by the job label.
import { Registry, collectDefaultMetrics } from "prom-client";

/** prom-client gauges named like counters; `promtool check metrics` rightly rejects them. */
const MISNAMED = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];

export function selfRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED) registry.removeSingleMetric(name);
  return registry;
}
