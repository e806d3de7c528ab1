// Each exporter's own process metrics (CPU, memory, event loop, GC) from prom-client, served
// beside the metrics it exports. Standard names (process_*, nodejs_*), told apart by the job label.
import { Registry, collectDefaultMetrics } from "prom-client";

export function selfRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
