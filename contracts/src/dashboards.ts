// What OpsDeck provisions into Grafana and Kibana, named once: the dashboard generator writes
// these uids and ids, the portal lists and links them, and the deploy exporter tags its
// annotations so the dashboards show them.

/** Grafana datasource uids (provisioning/grafana/datasources/opsdeck.yml). */
export const DATASOURCE_UIDS = {
  prometheus: "opsdeck-prometheus",
  alertmanager: "opsdeck-alertmanager",
  logs: "opsdeck-logs",
  events: "opsdeck-events",
} as const;

/**
 * Yuan, as Grafana's value formats write it (the portal formats with @grafana/data too): Grafana
 * has no currencyCNY — that unit id prints as a suffix, "68240 currencyCNY" — but takes a custom
 * currency: ¥68.2K.
 */
export const YUAN_UNIT = "currency:¥";

/** The tag the dashboards' annotation query filters on; the deploy exporter's default tag. */
export const DEPLOY_ANNOTATION_TAG = "deploy";

/** The tag every OpsDeck dashboard carries: their links to each other list this tag. */
export const DASHBOARD_TAG = "opsdeck";

export type PortalPage = "/" | "/system" | "/processes" | "/services" | "/deploys" | "/business" | "/logs" | "/probes";

/** The provisioned dashboards, with the portal page that shows the same things. */
export const GRAFANA_DASHBOARDS = [
  {
    uid: "opsdeck-host",
    folder: "Infrastructure",
    title: { en: "Host", "zh-CN": "主机" },
    page: "/system",
  },
  {
    uid: "opsdeck-pm2",
    folder: "Applications",
    title: { en: "PM2 processes", "zh-CN": "PM2 进程" },
    page: "/processes",
  },
  {
    uid: "opsdeck-services",
    folder: "Applications",
    title: { en: "Services", "zh-CN": "服务" },
    page: "/services",
  },
  {
    uid: "opsdeck-databases",
    folder: "Applications",
    title: { en: "Databases", "zh-CN": "数据库" },
    page: "/services",
  },
  {
    uid: "opsdeck-deploys",
    folder: "Delivery",
    title: { en: "Deploys & DORA", "zh-CN": "部署与 DORA 指标" },
    page: "/deploys",
  },
  {
    uid: "opsdeck-business",
    folder: "Business",
    title: { en: "Business KPIs", "zh-CN": "业务指标" },
    page: "/business",
  },
  {
    uid: "opsdeck-probes",
    folder: "Applications",
    title: { en: "Probes", "zh-CN": "可用性探测" },
    page: "/probes",
  },
  {
    uid: "opsdeck-stack",
    folder: "Infrastructure",
    title: { en: "OpsDeck stack", "zh-CN": "OpsDeck 监控组件" },
    page: "/",
  },
  {
    uid: "opsdeck-logs",
    folder: "Applications",
    title: { en: "Logs", "zh-CN": "日志" },
    page: "/logs",
  },
] as const satisfies readonly {
  uid: string;
  folder: string;
  title: { en: string; "zh-CN": string };
  page: PortalPage;
}[];

export type GrafanaDashboard = (typeof GRAFANA_DASHBOARDS)[number];

/** The Grafana dashboard that matches a portal page, if any. */
export const dashboardFor = (page: PortalPage): GrafanaDashboard | undefined =>
  GRAFANA_DASHBOARDS.find((d) => d.page === page);

/** Kibana saved-object ids (provisioning/kibana/opsdeck.ndjson). */
export const KIBANA_IDS = {
  logsDataView: "opsdeck-logs",
  eventsDataView: "opsdeck-events",
  importsDataView: "opsdeck-imports",
  logsDashboard: "opsdeck-logs-overview",
} as const;
