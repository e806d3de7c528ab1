// Every OpsDeck dashboard, built from code, and where its JSON lives (one folder per area, as
// Grafana's file provider shows them with foldersFromFilesStructure).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { GRAFANA_DASHBOARDS } from "@opsdeck/contracts/dashboards";
import { DEFAULT_BUSINESS_METRICS, metricDefSchema, type MetricDef } from "@opsdeck/core/config";
import { business } from "./business.ts";
import { databases } from "./databases.ts";
import { deploys } from "./deploys.ts";
import { host } from "./host.ts";
import { logsDashboard } from "./logs.ts";
import { pm2 } from "./pm2.ts";
import { probes } from "./probes.ts";
import { services } from "./services.ts";
import type { DashboardJson } from "./lint.ts";
import { stack } from "./stack.ts";

export const DASHBOARDS_DIR = fileURLToPath(new URL("../dashboards/", import.meta.url));

/** The dashboards, by uid; the business one from the business metrics given (the default shop's unless told). */
export function buildDashboards(
  businessMetrics: MetricDef[] = metricDefSchema.array().parse(structuredClone(DEFAULT_BUSINESS_METRICS)),
) {
  const built: Record<(typeof GRAFANA_DASHBOARDS)[number]["uid"], dashboard.Dashboard> = {
    "opsdeck-host": host(),
    "opsdeck-pm2": pm2(),
    "opsdeck-services": services(),
    "opsdeck-databases": databases(),
    "opsdeck-deploys": deploys(),
    "opsdeck-business": business(businessMetrics),
    "opsdeck-probes": probes(),
    "opsdeck-stack": stack(),
    "opsdeck-logs": logsDashboard(),
  };
  return GRAFANA_DASHBOARDS.map((meta) => ({
    meta,
    file: join(DASHBOARDS_DIR, meta.folder, `${meta.uid}.json`),
    dashboard: built[meta.uid],
  }));
}

/** A dashboard as the committed file holds it. */
export const dashboardJson = (d: dashboard.Dashboard) => `${JSON.stringify(d, null, 2)}\n`;

/** The dashboards as committed (what Grafana is given), by uid. */
export const committedDashboards = (dir = DASHBOARDS_DIR): { uid: string; json: DashboardJson }[] =>
  GRAFANA_DASHBOARDS.map((meta) => ({
    uid: meta.uid,
    json: JSON.parse(readFileSync(join(dir, meta.folder, `${meta.uid}.json`), "utf8")) as DashboardJson,
  }));
