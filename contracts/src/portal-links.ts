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

/**
 * The timeline around an alert, scoped by its project, environment, host and app, with its start
 * marked (and so the likeliest change before it), live to now. It begins a little before the
 * likeliest change when one is known (`changeAt`) — half the time from it to the alert, at least
 * ten minutes — so a deploy three minutes before a crash loop is not a sliver at the end of six
 * hours on a phone; else `hoursBefore` hours before the alert (the window "what changed?" searched).
 */
export function alertTimelinePath(
  labels: Record<string, string>,
  startsAt: string | number,
  options: { hoursBefore?: number; changeAt?: number } = {},
): string {
  const started = typeof startsAt === "number" ? startsAt : Date.parse(startsAt);
  const at = Number.isNaN(started) ? Date.now() : started;
  const { hoursBefore = 6, changeAt } = options;
  const earliest = Math.min(at, changeAt ?? at);
  const from =
    changeAt === undefined ? at - hoursBefore * 3_600_000 : earliest - Math.max(10 * 60_000, (at - earliest) / 2);
  const p = new URLSearchParams({ from: new Date(from).toISOString(), at: String(at) });
  for (const key of ["project", "environment", "host", "app"] as const) if (labels[key]) p.set(key, labels[key]);
  return `/timeline?${p}`;
}

/** The timeline around a deploy: an hour before it to three after it finished (or now), its project and environment. */
export function deployTimelinePath(d: {
  project: string;
  environment: string;
  started_at: string;
  finished_at?: string;
}): string {
  const start = Date.parse(d.started_at);
  const p = new URLSearchParams({
    from: new Date(start - 3_600_000).toISOString(),
    project: d.project,
    environment: d.environment,
  });
  const end = d.finished_at ? Date.parse(d.finished_at) + 3 * 3_600_000 : undefined;
  if (end && end < Date.now()) p.set("to", new Date(end).toISOString());
  return `/timeline?${p}`;
}
