// Writes the dashboards' JSON into provisioning/grafana/dashboards/ and the Kibana saved objects
// into provisioning/kibana/opsdeck.ndjson (`npm run dashboards`).
// The committed files are generated from the default configuration (the demo shop's business
// metrics); `npm run dashboards -- --config opsdeck.yml` generates the Business dashboard from a
// team's own metrics instead. A test fails when the committed files differ from what this writes.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative } from "node:path";
import { loadConfig } from "@opsdeck/core/config";
import { buildDashboards, dashboardJson } from "./dashboards.ts";
import { lintDashboard } from "./lint.ts";
import { KIBANA_NDJSON, savedObjects, toNdjson } from "../../kibana/saved-objects.ts";

const ownConfig = process.argv.includes("--config") || process.argv.some((a) => a.startsWith("--config="));
const metrics = ownConfig ? loadConfig({ reader: "business-exporter" }).config.exporters.business.metrics : undefined;
const problems: string[] = [];
for (const { file, dashboard } of buildDashboards(metrics)) {
  const json = dashboardJson(dashboard);
  problems.push(...lintDashboard(JSON.parse(json)));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, json);
  console.log(`wrote ${relative(process.cwd(), file)}`);
}
writeFileSync(KIBANA_NDJSON, toNdjson(savedObjects()));
console.log(`wrote ${relative(process.cwd(), KIBANA_NDJSON)}`);
if (problems.length) {
  console.error(`lint:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
