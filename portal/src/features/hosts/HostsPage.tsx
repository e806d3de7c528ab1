// Hosts: every server OpsDeck watches — this one and those in opsdeck.yml's `hosts:` or the
// hosts file — with whether Prometheus reaches its agent, CPU, memory, disk, load, PM2 apps,
// active alerts, the agent's version and when it was last heard from, and whether its Filebeat's
// log writes are taken. Sortable, searchable; operators add, disable and remove the hosts file's
// hosts here, and issue and revoke each host's log key.
import { currentSession } from "@/features/auth/auth.ts";
import { can } from "@/features/auth/session.ts";
import { fmt } from "@/lib/format.ts";
import { dict } from "@/lib/i18n.ts";
import { deploys, promQuery, promTargets, type PromSample, type PromTarget } from "@/lib/sources.ts";
import { statusText } from "@/lib/status.ts";
import type { DeployView } from "@opsdeck/contracts";
import { dateTime, durationText } from "@/lib/time.ts";
import { SortableTable } from "@/ui/SortableTable.tsx";
import { HostManager } from "./HostManager.tsx";
import { watchedHosts } from "./host-lists.ts";
import { logKeyStates, logShipping } from "./log-keys.ts";
import { LogKeys, type LogKeyRow } from "./LogKeys.tsx";
import { pushStatus } from "./push.ts";
import { HOST_QUERIES } from "./queries.ts";

type HostState = "up" | "down" | "refused" | "disabled" | "waiting";
const STATE_CLASS: Record<HostState, string> = {
  up: "s-up",
  down: "s-down",
  refused: "s-down",
  disabled: "s-stopped",
  waiting: "s-restarting",
};

/** What Prometheus says of a host's agent: its node-exporter target, else its PM2 exporter's. */
function agentState(targets: PromTarget[]): { state: HostState; error?: string; lastScrape?: number } {
  const target = targets.find((x) => x.labels.job === "node") ?? targets[0];
  if (!target) return { state: "waiting" };
  const scraped = Date.parse(target.lastScrape);
  const lastScrape = scraped > 0 ? scraped : undefined;
  if (target.health === "up") return { state: "up", lastScrape };
  if (target.health === "unknown") return { state: "waiting" };
  // Prometheus says "server returned HTTP status 401 Unauthorized": the agent refuses our password.
  const refused = /\b401\b/.test(target.lastError);
  return { state: refused ? "refused" : "down", error: target.lastError, lastScrape };
}

/** A push host's state: its writes through the front door, and how fresh its series are. */
function pushState(name: string, ageSeconds: number | undefined): ReturnType<typeof agentState> {
  const { acceptedAt, refused } = pushStatus(name);
  if (refused && refused.at > (acceptedAt ?? 0))
    return { state: "refused", error: refused.reason, lastScrape: acceptedAt };
  if (ageSeconds === undefined) return { state: "waiting", lastScrape: acceptedAt };
  const lastScrape = acceptedAt ?? Date.now() - ageSeconds * 1000;
  // Its agent scrapes every 15 s and writes within seconds: two minutes without a sample is down.
  return ageSeconds < 120 ? { state: "up", lastScrape } : { state: "down", lastScrape };
}

export default async function Hosts({ searchParams }: { searchParams: Promise<{ q?: string }> }) {
  const { t, lang, reader } = await dict();
  const search = ((await searchParams).q ?? "").trim().slice(0, 200);
  const session = await currentSession();
  let listError: string | undefined;
  let listed: ReturnType<typeof watchedHosts> = [];
  try {
    listed = watchedHosts();
  } catch (err) {
    listError = (err as Error).message; // a broken hosts file: say so, still show what Prometheus sees
  }
  const recentDeploys = deploys("limit=500");
  const keyStates = logKeyStates();
  const [targets, cpu, memory, disk, load, online, errored, alerts, nodeVersion, agentVersion, age] = await Promise.all(
    [
      promTargets(),
      promQuery(HOST_QUERIES.cpu()),
      promQuery(HOST_QUERIES.memory()),
      promQuery(HOST_QUERIES.disk()),
      promQuery(HOST_QUERIES.load()),
      promQuery('count by (host) (pm2_process_status{status="online"} == 1)'),
      promQuery('count by (host) (pm2_process_status{status="errored"} == 1)'),
      promQuery('count by (host) (ALERTS{alertstate="firing",alertname!="Watchdog"})'),
      promQuery("max by (host, version) (node_exporter_build_info)"),
      promQuery('max by (host, version) (opsdeck_build_info{job="pm2"})'),
      // How old each host's newest node-exporter sample is (push hosts have no scrape target here).
      promQuery('time() - max by (host) (timestamp(up{job="node"} == 1))'),
    ],
  );
  const byHost = (r: Awaited<ReturnType<typeof promQuery>>) =>
    new Map((r.ok ? r.data : ([] as PromSample[])).map((s) => [s.metric.host, Number(s.value[1])]));
  const versionOf = (r: Awaited<ReturnType<typeof promQuery>>) =>
    new Map((r.ok ? r.data : ([] as PromSample[])).map((s) => [s.metric.host, s.metric.version]));
  const [c, m, d, l, on, err, al, ages] = [cpu, memory, disk, load, online, errored, alerts, age].map(byHost);
  const [nv, av] = [versionOf(nodeVersion), versionOf(agentVersion)];
  const hostTargets = (targets.ok ? targets.data : []).filter((x) => ["node", "pm2"].includes(x.labels.job));
  const names = [...new Set([...listed.map((h) => h.name), ...hostTargets.map((x) => x.labels.host).filter(Boolean)])];
  // The newest deploy that names each host (the history is newest first).
  const recent = await recentDeploys;
  const lastDeploy = new Map<string, DeployView>();
  for (const d of recent.ok ? recent.data.deploys : [])
    for (const h of d.hosts ?? []) if (!lastDeploy.has(h)) lastDeploy.set(h, d);
  const now = Date.now();
  const ago = (at: number) => t.ago.replace("{d}", durationText((now - at) / 1000, lang, 1));
  /** Its Filebeat's writes through the front door: last taken, or refused since (the reason is data). */
  const shipped = (name: string) => {
    const { acceptedAt, refused } = logShipping(name);
    if (refused && refused.at > (acceptedAt ?? 0)) return { refused: refused.reason };
    return acceptedAt ? { written: `${t.log_written} ${ago(acceptedAt)}` } : {};
  };
  const rows = names.flatMap((name) => {
    const deployed = lastDeploy.get(name);
    const entry = listed.find((h) => h.name === name);
    const seen =
      entry?.mode === "push"
        ? pushState(name, ages.get(name))
        : agentState(hostTargets.filter((x) => x.labels.host === name));
    const state: HostState = entry && !entry.enabled ? "disabled" : seen.state;
    const labels = Object.entries(entry?.labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    const haystack = `${name} ${entry?.address ?? ""} ${labels}`.toLowerCase();
    if (search && !haystack.includes(search.toLowerCase())) return [];
    const versions = [nv.get(name) && `node-exporter ${nv.get(name)}`, av.get(name) && `OpsDeck ${av.get(name)}`];
    return [
      {
        id: name,
        host: name,
        host__href: `/system?host=${encodeURIComponent(name)}`,
        status: t[`host_${state}`],
        status__class: `pill ${STATE_CLASS[state]}`,
        status__sort: ["refused", "down", "waiting", "disabled", "up"].indexOf(state),
        cpu: fmt("percentunit", c.get(name)),
        cpu__sort: c.get(name) ?? -1,
        memory: fmt("percentunit", m.get(name)),
        memory__sort: m.get(name) ?? -1,
        disk: fmt("percentunit", d.get(name)),
        disk__sort: d.get(name) ?? -1,
        load: l.has(name) ? l.get(name)!.toLocaleString(lang, { maximumFractionDigits: 2 }) : "–",
        load__sort: l.get(name) ?? -1,
        apps: `${(on.get(name) ?? 0).toLocaleString(lang)} / ${(err.get(name) ?? 0).toLocaleString(lang)}`,
        apps__sort: err.get(name) ?? 0,
        apps__href: `/processes?host=${encodeURIComponent(name)}`,
        alerts: (al.get(name) ?? 0).toLocaleString(lang),
        alerts__sort: al.get(name) ?? 0,
        alerts__href: `/alerts?host=${encodeURIComponent(name)}`,
        agent: versions.filter(Boolean).join(", ") || "–",
        contact: seen.lastScrape ? ago(seen.lastScrape) : t.never,
        contact__sort: seen.lastScrape ?? 0,
        deploy: deployed
          ? [deployed.project, deployed.version, statusText(t, deployed.status)].filter(Boolean).join(" ")
          : "–",
        deploy__sort: deployed ? Date.parse(deployed.started_at) : 0,
        // A link only where there is a deploy to open.
        ...(deployed ? { deploy__href: `/deploys?host=${encodeURIComponent(name)}` } : {}),
        labels,
        // Prometheus' own words for a failed scrape (e.g. "… 401 Unauthorized"): data, not translated.
        error: seen.error ?? "",
      },
    ];
  });
  const fromFile = listed.filter((h) => h.source === "hosts file");
  const keys = await keyStates;
  const keyRows: LogKeyRow[] = listed.map(({ name }) => {
    const key = keys.keys?.get(name);
    return {
      host: name,
      active: !!key && !key.invalidated,
      ...shipped(name),
      state: !key
        ? t.log_key_none
        : key.invalidated
          ? t.log_key_revoked
          : t.log_key_active.replace("{date}", dateTime(key.createdAt, reader)),
    };
  });
  return (
    <main>
      <h1>{t.hosts}</h1>
      {!targets.ok && (
        <p className="error" role="alert">
          {t.source_error}: {targets.error}
        </p>
      )}
      {listError && (
        <p className="error" role="alert" data-hosts-file-error>
          {t.hosts_file_invalid}: {listError}
        </p>
      )}
      <form className="row-actions filters" method="get" action="/hosts">
        <input name="q" defaultValue={search} placeholder={t.hosts_search_hint} aria-label={t.search} />
        <button type="submit">{t.search}</button>
      </form>
      <SortableTable
        initial="status"
        rows={rows}
        columns={[
          { key: "host", label: t.host, data: true, nowrap: true },
          { key: "status", label: t.status, nowrap: true },
          { key: "cpu", label: t.cpu, numeric: true },
          { key: "memory", label: t.memory, numeric: true },
          { key: "disk", label: t.disk, numeric: true },
          { key: "load", label: t.load, numeric: true },
          { key: "apps", label: t.pm2_online_errored, numeric: true },
          { key: "alerts", label: t.active_alerts, numeric: true },
          { key: "deploy", label: t.last_deploy, data: true },
          { key: "agent", label: t.agent_version, data: true },
          { key: "contact", label: t.last_contact },
          { key: "labels", label: t.labels, data: true },
          { key: "error", label: t.last_error, data: true },
        ]}
      />
      <p className="muted">{t.hosts_how_to_add}</p>
      <HostManager t={t} allowed={can(session, "operator")} hosts={fromFile} />
      <LogKeys t={t} allowed={can(session, "operator")} rows={keyRows} unavailable={keys.unavailable} />
    </main>
  );
}
