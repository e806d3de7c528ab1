// The portal's pages that other processes link to: the notifier's messages open the alert group's
// acknowledge form and its logs, the portal's own Alerts page links to the same logs. One place
// writes these paths and the portal's pages read exactly these parameters.

/** Labels as the matchers the Alerts page's filter reads: `alertname="X", app="shop"`. */
export const matchersText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .filter(([name]) => !name.startsWith("__"))
    .map(([name, value]) => `${name}="${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`)
    .join(", ");

/** The Alerts page filtered to these labels; with `ack`, the acknowledge form opens pre-filled. */
export function alertsPath(labels: Record<string, string>, options: { ack?: boolean } = {}): string {
  const p = new URLSearchParams({ matchers: matchersText(labels) });
  if (options.ack) p.set("ack", "1");
  return `/alerts?${p}`;
}

/** The logs around an alert: from 15 minutes before it started, its app (or project, service) and host. */
export function alertLogsPath(labels: Record<string, string>, startsAt: string): string {
  const started = Date.parse(startsAt);
  const p = new URLSearchParams({
    from: new Date((Number.isNaN(started) ? Date.now() : started) - 15 * 60_000).toISOString(),
    to: "now",
  });
  const service = labels.app ?? labels.project ?? labels.service;
  if (service) p.append("service", service);
  if (labels.host) p.append("host", labels.host);
  return `/logs?${p}`;
}
