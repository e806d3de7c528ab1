// Grafana annotations for finished deploys (optional: exporters.deploy.grafana.url), so every
// dashboard shows when a deploy happened and how it ended.
import type { DeployExporterConfig, Logger } from "@opsdeck/core";
import type { Deploy } from "./model.ts";

export function grafanaAnnotator(grafana: DeployExporterConfig["grafana"], log: Logger, onError: () => void) {
  return async function annotate(deploy: Deploy): Promise<void> {
    if (!grafana.url) return;
    try {
      const res = await fetch(new URL("/api/annotations", grafana.url), {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(grafana.token ? { authorization: `Bearer ${grafana.token}` } : {}),
        },
        body: JSON.stringify({
          time: deploy.started_at,
          timeEnd: deploy.finished_at,
          tags: [...grafana.tags, deploy.project, deploy.environment, deploy.status],
          text: `Deploy ${deploy.project} ${deploy.version ?? ""} to ${deploy.environment}: ${deploy.status}`,
        }),
        signal: AbortSignal.timeout(5000),
      });
      if (!res.ok) throw new Error(`Grafana answered ${res.status}`);
    } catch (err) {
      onError();
      log.warn("grafana annotation failed", { error: err, "opsdeck.deploy.id": deploy.id });
    }
  };
}
