// A link from a portal page to the provisioned Grafana dashboard that shows the same things,
// with the same time range (provisioning/grafana); nothing when portal.grafana.url is unset.
import { dashboardFor, GRAFANA_DASHBOARDS, type PortalPage } from "@opsdeck/contracts/dashboards";
import { config } from "@/lib/config.ts";
import type { Dict, Lang } from "@/lib/i18n.ts";

/** `path` under a base that is a URL or a path on this site (the front door's /grafana/). */
export function under(base: string, path: string): string {
  const dir = base.endsWith("/") ? base : `${base}/`;
  return dir.startsWith("/") ? `${dir}${path}` : new URL(path, dir).href;
}

/** A Grafana dashboard's URL under Grafana's base URL, with a time range. */
export function grafanaDashboardUrl(base: string, uid: string, range: { from: string; to: string }, kiosk = false) {
  const query = new URLSearchParams({ orgId: "1", from: range.from, to: range.to });
  // Grafana reads a bare `kiosk` flag; URLSearchParams would write `kiosk=`.
  return `${under(base, `d/${uid}`)}?${query}${kiosk ? "&kiosk" : ""}`;
}

/** The page's dashboard, or (`uid`) another of the page's dashboards. */
export function GrafanaLink({
  page,
  uid,
  from,
  t,
  lang,
}: {
  page: PortalPage;
  uid?: string;
  from: string;
  t: Dict;
  lang: Lang;
}) {
  const base = config().portal.grafana.url;
  const dashboard = uid ? GRAFANA_DASHBOARDS.find((d) => d.uid === uid && d.page === page) : dashboardFor(page);
  if (!base || !dashboard) return null;
  return (
    <a
      className="grafana-link"
      data-grafana={dashboard.uid}
      href={grafanaDashboardUrl(base, dashboard.uid, { from, to: "now" })}
      target="_blank"
      rel="noopener noreferrer"
    >
      {t.open_in_grafana}: {dashboard.title[lang]} ↗
    </a>
  );
}
