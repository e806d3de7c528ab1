// OpsDeck's Kibana saved objects: data views for the logs, events and imports indices, saved
// searches an on-call engineer starts from, two Lens charts and a logs overview dashboard.
// Written as code so the ids, fields and references are checked (saved-objects.test.ts against
// the index templates); `npm run dashboards` writes opsdeck.ndjson, which Kibana's
// Stack Management → Saved objects → Import takes as it is.
import { fileURLToPath } from "node:url";
import { KIBANA_IDS } from "@opsdeck/contracts/dashboards";

/** The committed objects, for the default index prefix. */
export const KIBANA_NDJSON = fileURLToPath(new URL("opsdeck.ndjson", import.meta.url));

export interface SavedObject {
  type: "index-pattern" | "search" | "lens" | "dashboard";
  id: string;
  attributes: Record<string, unknown>;
  references: { name: string; type: string; id: string }[];
  /** Kibana migrates objects from the version they were written for. */
  coreMigrationVersion: string;
  typeMigrationVersion: string;
}

const CORE = "8.8.0";

/** A saved search's searchSource, with its data view by reference. */
const searchSource = (query: string) =>
  JSON.stringify({
    query: { query, language: "kuery" },
    filter: [],
    indexRefName: "kibanaSavedObjectMeta.searchSourceJSON.index",
  });

function dataView(id: string, pattern: string, name: string): SavedObject {
  return {
    type: "index-pattern",
    id,
    attributes: { title: pattern, name, timeFieldName: "@timestamp", allowHidden: false },
    references: [],
    coreMigrationVersion: CORE,
    typeMigrationVersion: "8.0.0",
  };
}

function search(o: {
  id: string;
  title: string;
  description: string;
  dataView: string;
  query: string;
  columns: string[];
}): SavedObject {
  return {
    type: "search",
    id: o.id,
    attributes: {
      title: o.title,
      description: o.description,
      columns: o.columns,
      sort: [["@timestamp", "desc"]],
      grid: {},
      hideChart: false,
      isTextBasedQuery: false,
      kibanaSavedObjectMeta: { searchSourceJSON: searchSource(o.query) },
    },
    references: [{ name: "kibanaSavedObjectMeta.searchSourceJSON.index", type: "index-pattern", id: o.dataView }],
    coreMigrationVersion: CORE,
    typeMigrationVersion: "8.0.0",
  };
}

/** A Lens bar chart: lines counted per interval, split by a field's top values. */
function countChart(o: {
  id: string;
  title: string;
  description: string;
  dataView: string;
  query: string;
  splitBy: string;
  overTime: boolean;
}): SavedObject {
  const layer = "layer1";
  const columns: Record<string, unknown> = {
    split: {
      label: `Top values of ${o.splitBy}`,
      dataType: "string",
      operationType: "terms",
      sourceField: o.splitBy,
      isBucketed: true,
      scale: "ordinal",
      params: { size: 10, orderBy: { type: "column", columnId: "count" }, orderDirection: "desc" },
    },
    count: {
      label: "Lines",
      customLabel: true,
      dataType: "number",
      operationType: "count",
      sourceField: "___records___",
      isBucketed: false,
      scale: "ratio",
    },
  };
  if (o.overTime)
    columns.time = {
      label: "@timestamp",
      dataType: "date",
      operationType: "date_histogram",
      sourceField: "@timestamp",
      isBucketed: true,
      scale: "interval",
      params: { interval: "auto" },
    };
  return {
    type: "lens",
    id: o.id,
    attributes: {
      title: o.title,
      description: o.description,
      visualizationType: "lnsXY",
      state: {
        datasourceStates: {
          formBased: {
            layers: {
              [layer]: { columns, columnOrder: o.overTime ? ["split", "time", "count"] : ["split", "count"] },
            },
          },
        },
        visualization: {
          preferredSeriesType: o.overTime ? "bar_stacked" : "bar_horizontal",
          legend: { isVisible: true, position: "right" },
          valueLabels: "hide",
          layers: [
            {
              layerId: layer,
              layerType: "data",
              seriesType: o.overTime ? "bar_stacked" : "bar_horizontal",
              xAccessor: o.overTime ? "time" : "split",
              accessors: ["count"],
              ...(o.overTime ? { splitAccessor: "split" } : {}),
            },
          ],
        },
        query: { query: o.query, language: "kuery" },
        filters: [],
      },
    },
    references: [
      { name: "indexpattern-datasource-current-indexpattern", type: "index-pattern", id: o.dataView },
      { name: `indexpattern-datasource-layer-${layer}`, type: "index-pattern", id: o.dataView },
    ],
    coreMigrationVersion: CORE,
    typeMigrationVersion: "8.9.0",
  };
}

/** The dashboard's panels: [object, width (of 48), height]; laid out left to right, top to bottom. */
function dashboard(o: { id: string; title: string; description: string; panels: [SavedObject, number, number][] }) {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const panels = o.panels.map(([object, w, h], i) => {
    if (x + w > 48) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const panel = {
      type: object.type,
      panelIndex: String(i + 1),
      gridData: { x, y, w, h, i: String(i + 1) },
      embeddableConfig: { enhancements: {} },
      panelRefName: `panel_${i + 1}`,
    };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return panel;
  });
  return {
    type: "dashboard",
    id: o.id,
    attributes: {
      title: o.title,
      description: o.description,
      panelsJSON: JSON.stringify(panels),
      optionsJSON: JSON.stringify({ useMargins: true, syncColors: false, syncCursor: true, hidePanelTitles: false }),
      timeRestore: true,
      timeFrom: "now-24h",
      timeTo: "now",
      refreshInterval: { pause: false, value: 60_000 },
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({ query: { query: "", language: "kuery" }, filter: [] }),
      },
    },
    references: o.panels.map(([object], i) => ({ name: `${i + 1}:panel_${i + 1}`, type: object.type, id: object.id })),
    coreMigrationVersion: CORE,
    typeMigrationVersion: "8.9.0",
  } satisfies SavedObject;
}

/** Every object, for indices named with `prefix` (elasticsearch.index_prefix). */
export function savedObjects(prefix = "opsdeck"): SavedObject[] {
  const logs = dataView(KIBANA_IDS.logsDataView, `${prefix}-logs-*`, "OpsDeck logs");
  const events = dataView(KIBANA_IDS.eventsDataView, `${prefix}-events-*`, "OpsDeck events");
  const imports = dataView(KIBANA_IDS.importsDataView, `${prefix}-import-*`, "OpsDeck imported logs");
  const errors = search({
    id: "opsdeck-errors-by-service",
    title: "Errors by service",
    description: "Lines at level error or fatal, newest first, with the service and host they came from.",
    dataView: logs.id,
    query: "log.level: (error or fatal)",
    columns: ["service.name", "host.name", "log.level", "message"],
  });
  const nginx5xx = search({
    id: "opsdeck-nginx-5xx",
    title: "nginx 5xx",
    description: "Requests nginx answered with a 5xx status: what users saw fail.",
    dataView: logs.id,
    query: 'event.dataset: "nginx.access" and http.response.status_code >= 500',
    columns: ["http.request.method", "url.original", "http.response.status_code", "source.ip", "host.name"],
  });
  const deploys = search({
    id: "opsdeck-deploy-events",
    title: "Deploy events",
    description: "Deploys started, progressing and finished, as the deploy exporter logged them.",
    dataView: events.id,
    query: 'event.dataset: "opsdeck.deploy"',
    columns: ["event.action", "event.outcome", "message"],
  });
  const alerts = search({
    id: "opsdeck-alert-events",
    title: "Alert events",
    description: "Alert notifications the notifier received and delivered (firing, resolved, acknowledged).",
    dataView: events.id,
    query: 'event.dataset: "opsdeck.alert"',
    columns: ["event.action", "message"],
  });
  const levels = countChart({
    id: "opsdeck-log-levels",
    title: "Log lines by level",
    description: "Lines per interval, stacked by level.",
    dataView: logs.id,
    query: "",
    splitBy: "log.level",
    overTime: true,
  });
  const erroringServices = countChart({
    id: "opsdeck-erroring-services",
    title: "Services with the most errors",
    description: "Error and fatal lines per service over the time range.",
    dataView: logs.id,
    query: "log.level: (error or fatal)",
    splitBy: "service.name",
    overTime: false,
  });
  const overview = dashboard({
    id: KIBANA_IDS.logsDashboard,
    title: "OpsDeck logs overview",
    description:
      "Log volume by level, the services with the most errors, the errors themselves, nginx 5xx, deploys and alerts.",
    panels: [
      [levels, 32, 12],
      [erroringServices, 16, 12],
      [errors, 48, 15],
      [nginx5xx, 24, 15],
      [deploys, 24, 15],
      [alerts, 48, 12],
    ],
  });
  return [logs, events, imports, errors, nginx5xx, deploys, alerts, levels, erroringServices, overview];
}

/** Kibana's import format: one object per line. */
export const toNdjson = (objects: SavedObject[]) => objects.map((o) => JSON.stringify(o)).join("\n") + "\n";
