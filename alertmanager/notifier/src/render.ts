// Notifications as people read them: a view of each alert (status, severity, summary, times in
// the configured zone, links), rendered with Liquid templates (no eval) in zh-CN or English,
// kept within each channel's byte limit.
import { Liquid } from "liquidjs";
import { alertLogsPath, alertsPath, alertTimelinePath, annotationText, matchersText } from "@opsdeck/contracts";
import type { ChangeSummary } from "@opsdeck/contracts";
import { changeLine } from "./change-line.ts";
import { notificationScope } from "./changes.ts";
import type { AmAlert, Notification } from "./model.ts";
import { fill, fillNamed, STRINGS, type Lang, type Strings } from "./i18n.ts";
import { actionText } from "@opsdeck/core/actions/action-text";
import type { RecoveryNote } from "@opsdeck/core/actions/recovery-note";

export interface RenderOptions {
  lang: Lang;
  timezone: string;
  links: { portal_url?: string; prometheus_url?: string; alertmanager_url?: string; runbook_base_url?: string };
  /** "What changed before this alert?", where the portal answered in time (changes.ts). */
  changes?: (n: Notification) => ChangeSummary | undefined;
}

export interface AlertView {
  status: string;
  status_text: string;
  icon: string;
  severity: string;
  severity_text: string;
  alertname: string;
  summary: string;
  description: string;
  labels_text: string;
  starts_at: string;
  ends_at?: string;
  links: { text: string; url: string }[];
}

export interface NotificationView {
  id: string;
  kind: string;
  title: string;
  note?: string;
  alerts: AlertView[];
  more: number;
  more_text: string;
  portal_url?: string;
  /** One tap to the portal's acknowledge form for this group (sign-in first), while it fires. */
  ack_url?: string;
  /** The group's logs in the portal, from just before it started. */
  logs_url?: string;
  /** "⚠ 12 分钟前 shop 部署了 v1.4.2（alice，3f2a9c1）· 新错误 3 种": the likeliest change before it. */
  change_line?: string;
  /** The group's timeline in the portal: the hours before it, the likeliest change marked. */
  changes_url?: string;
}

const ZERO_TIME = "0001-01-01T00:00:00Z";
/** Labels every message shows elsewhere, or that say nothing to a person. */
const HIDDEN = new Set(["alertname", "severity", "__name__"]);

export function formatTime(iso: string, o: RenderOptions): string | undefined {
  if (!iso || iso === ZERO_TIME) return undefined;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return undefined;
  // sv-SE formats as YYYY-MM-DD HH:MM:SS, the form ops people read in both languages.
  const s = new Intl.DateTimeFormat("sv-SE", {
    timeZone: o.timezone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).format(d);
  return `${s} (${o.timezone})`;
}

/** A path under a base URL, kept under the base's own path (a portal at https://ops.example.com/opsdeck/). */
const join = (base: string | undefined, path: string) =>
  base ? new URL(path.replace(/^\//, ""), base.endsWith("/") ? base : `${base}/`).href : undefined;

function silenceUrl(a: AmAlert, o: RenderOptions): string | undefined {
  if (!o.links.alertmanager_url) return undefined;
  return join(o.links.alertmanager_url, `#/silences/new?filter=${encodeURIComponent(`{${matchersText(a.labels)}}`)}`);
}

/**
 * The rule's graph, on the Prometheus people can open (links.prometheus_url): Prometheus writes
 * its own address into generatorURL (http://prometheus:9090/graph… in compose, a host name
 * nobody outside resolves), and OpsDeck's own Prometheus is built without its web UI — so with
 * no prometheus_url there is no graph link (the alert's portal page has the rest).
 */
function graphUrl(generatorURL: string, o: RenderOptions): string | undefined {
  const url = webLink(generatorURL);
  if (!url || !o.links.prometheus_url) return undefined;
  const own = new URL(url);
  return join(o.links.prometheus_url, `${own.pathname.replace(/^\//, "")}${own.search}`);
}

/** Links in messages go to web pages only: a generatorURL or runbook of javascript: or data: is dropped. */
const webLink = (url: string | undefined) => (url && /^https?:\/\//i.test(url) ? url : undefined);

/**
 * Text from labels and annotations (free text that deploys, webhooks and rules put there) inside
 * markdown: it can start no heading, quote or block (no line breaks, no leading # or >), make no
 * link or image (no "]("), and carry no HTML or WeCom <@user> mention (no "<").
 */
export function markdownText(value: string): string {
  return value
    .replace(/\r\n?|\n/g, " ")
    .replaceAll("<", "＜")
    .replaceAll("](", "］(")
    .replace(/^(\s*)#/, "$1＃")
    .replace(/^(\s*)>/, "$1＞");
}

/** A URL inside markdown's (…): characters that would end it early are percent-encoded. */
const markdownUrl = (url: string) =>
  url.replace(/[()<> ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);

function markdownAlert(a: AlertView): AlertView {
  return {
    ...a,
    severity_text: markdownText(a.severity_text),
    alertname: markdownText(a.alertname),
    summary: markdownText(a.summary),
    description: markdownText(a.description),
    labels_text: markdownText(a.labels_text),
    links: a.links.map((l) => ({ ...l, url: markdownUrl(l.url) })),
  };
}

/** The view with every value safe inside markdown, whatever template (built-in or custom) prints it. */
function markdownView(view: NotificationView): NotificationView {
  return {
    ...view,
    title: markdownText(view.title),
    alerts: view.alerts.map(markdownAlert),
    portal_url: view.portal_url && markdownUrl(view.portal_url),
    ack_url: view.ack_url && markdownUrl(view.ack_url),
    logs_url: view.logs_url && markdownUrl(view.logs_url),
    change_line: view.change_line && markdownText(view.change_line),
    changes_url: view.changes_url && markdownUrl(view.changes_url),
  };
}

export function alertView(a: AmAlert, o: RenderOptions, t: Strings): AlertView {
  const severity = a.labels.severity ?? "none";
  const runbook = a.annotations.runbook_url;
  const firing = a.status === "firing";
  const links = [
    { text: t.alert_page, url: join(o.links.portal_url, alertsPath(a.labels)) },
    { text: t.graph, url: graphUrl(a.generatorURL, o) },
    // Acknowledged in the portal (who and why, renewed while it fires); Alertmanager's own
    // silence form only where no portal is linked.
    o.links.portal_url
      ? { text: t.ack, url: firing ? join(o.links.portal_url, alertsPath(a.labels, { ack: true })) : undefined }
      : { text: t.silence, url: firing ? silenceUrl(a, o) : undefined },
    {
      text: t.runbook,
      url: runbook
        ? webLink(/^[a-z][a-z0-9+.-]*:/i.test(runbook) ? runbook : join(o.links.runbook_base_url, runbook))
        : undefined,
    },
  ].filter((l): l is { text: string; url: string } => !!l.url);
  return {
    status: a.status,
    status_text: a.status === "firing" ? t.firing : t.resolved,
    icon: a.status === "resolved" ? "✅" : severity === "critical" ? "🔴" : severity === "warning" ? "🟠" : "🔵",
    severity,
    severity_text: (t as Record<string, string>)[severity] ?? severity,
    alertname: a.labels.alertname,
    summary: annotationText(a.annotations, "summary", o.lang) ?? a.labels.alertname,
    description: annotationText(a.annotations, "description", o.lang) ?? "",
    labels_text: Object.entries(a.labels)
      .filter(([k]) => !HIDDEN.has(k))
      .map(([k, v]) => `${k}=${v}`)
      .join(", "),
    starts_at: formatTime(a.startsAt, o) ?? "",
    ends_at: a.status === "resolved" ? formatTime(a.endsAt, o) : undefined,
    links,
  };
}

export function notificationView(n: Notification, o: RenderOptions, limit = Infinity): NotificationView {
  const t = STRINGS[o.lang];
  const p = n.payload;
  const firing = p.alerts.filter((a) => a.status === "firing").length;
  const name = p.commonLabels.alertname ?? p.groupLabels.alertname ?? p.alerts[0].labels.alertname;
  const prefix =
    n.kind === "escalation"
      ? t.escalated
      : n.kind === "recovery"
        ? t.recovery
        : n.kind === "test"
          ? t.test
          : n.kind === "system"
            ? t.system
            : p.status === "firing"
              ? t.firing
              : t.resolved;
  const count = p.alerts.length > 1 ? ` ×${p.alerts.length}` : "";
  const shown = p.alerts.slice(0, limit);
  const more = p.alerts.length - shown.length + p.truncatedAlerts;
  return {
    id: n.id,
    kind: n.kind,
    title: `[${prefix}${count}] ${name}${p.status === "firing" && firing < p.alerts.length ? ` (${firing}/${p.alerts.length})` : ""}`,
    note:
      n.kind === "escalation"
        ? fill(t.escalation_note, { M: Math.round((Date.now() - Date.parse(p.alerts[0].startsAt)) / 60000) })
        : n.recovery
          ? recoveryText(n.recovery, o.lang)
          : undefined,
    alerts: shown.map((a) => alertView(a, o, t)),
    more,
    more_text: fill(t.more, { N: more }),
    portal_url: join(o.links.portal_url, "alerts"),
    ...groupLinks(n, o),
  };
}

/** A recovery action's result in words: who or which rule ran what where, and what came of it. */
export function recoveryText(r: RecoveryNote, lang: Lang): string {
  const t = STRINGS[lang];
  const who = fillNamed(
    r.action.kind === "rollback"
      ? t.recovery_rollback
      : r.trigger === "automatic"
        ? t.recovery_automatic
        : t.recovery_manual,
    {
      by: r.by,
      host: r.host,
      what: actionText(r.action, lang),
    },
  );
  const outcome = fillNamed(t[`recovery_${r.outcome}`], {
    error: r.error ?? "",
    reason: r.reason ? t[`skip_${r.reason}`] : "",
    within: r.resolve_within,
    version: r.version,
  });
  return `${who}${lang === "zh-CN" ? "。" : ". "}${outcome}`;
}

/** The group's one-tap links: acknowledge it (while it fires) and read its logs; what changed before it. */
function groupLinks(
  n: Notification,
  o: RenderOptions,
): Pick<NotificationView, "ack_url" | "logs_url" | "change_line" | "changes_url"> {
  const p = n.payload;
  if (n.kind !== "alert" && n.kind !== "escalation") return {};
  const labels = Object.keys(p.groupLabels).length ? p.groupLabels : p.commonLabels;
  const firstStart = p.alerts.map((a) => a.startsAt).sort()[0];
  const summary = o.changes?.(n);
  const change = changeLine(summary, STRINGS[o.lang]);
  // The timeline the line was computed for (changeQuery's scope).
  const scope = notificationScope(p);
  return {
    change_line: change,
    changes_url:
      change && scope
        ? join(
            o.links.portal_url,
            alertTimelinePath(scope.labels, scope.startsAt, {
              changeAt: summary?.top ? scope.startsAt - summary.top.minutes_before * 60_000 : undefined,
            }),
          )
        : undefined,
    ack_url:
      p.status === "firing" && Object.keys(labels).length
        ? join(o.links.portal_url, alertsPath(labels, { ack: true }))
        : undefined,
    logs_url: join(o.links.portal_url, alertLogsPath(p.commonLabels, firstStart)),
  };
}

const liquid = new Liquid({ ownPropertyOnly: true, strictFilters: true });
const liquidHtml = new Liquid({ ownPropertyOnly: true, strictFilters: true, outputEscape: "escape" });

export const TEMPLATES = {
  markdown: `### {{ n.title }}
{% if n.change_line %}{{ n.change_line }}{% if n.changes_url %} · [{{ t.change_link }}]({{ n.changes_url }}){% endif %}

{% endif %}{% if n.ack_url or n.logs_url %}{% if n.ack_url %}[{{ t.ack_group }}]({{ n.ack_url }}){% endif %}{% if n.ack_url and n.logs_url %} | {% endif %}{% if n.logs_url %}[{{ t.logs }}]({{ n.logs_url }}){% endif %}

{% endif %}{% if n.note %}> {{ n.note }}

{% endif %}{% for a in n.alerts %}**{{ a.icon }} {{ a.status_text }} · {{ a.severity_text }} · {{ a.alertname }}**

{{ a.summary }}
{% if a.description != "" %}
> {{ a.description }}
{% endif %}
{% if a.labels_text != "" %}- {{ t.labels }}: {{ a.labels_text }}
{% endif %}- {{ t.started }}: {{ a.starts_at }}
{% if a.ends_at %}- {{ t.ended }}: {{ a.ends_at }}
{% endif %}{% if a.links.size > 0 %}
{% for l in a.links %}[{{ l.text }}]({{ l.url }}){% unless forloop.last %} | {% endunless %}{% endfor %}
{% endif %}
{% endfor %}{% if n.more > 0 %}{{ n.more_text }}{% if n.portal_url %} · [{{ t.portal }}]({{ n.portal_url }}){% endif %}
{% endif %}`,
  text: `{{ n.title }}
{% if n.change_line %}{{ n.change_line }}{% if n.changes_url %} {{ n.changes_url }}{% endif %}
{% endif %}{% if n.ack_url %}{{ t.ack_group }}: {{ n.ack_url }}
{% endif %}{% if n.logs_url %}{{ t.logs }}: {{ n.logs_url }}
{% endif %}{% if n.note %}{{ n.note }}
{% endif %}{% for a in n.alerts %}
{{ a.status_text }} · {{ a.severity_text }} · {{ a.alertname }}
{{ a.summary }}
{% if a.description != "" %}{{ a.description }}
{% endif %}{% if a.labels_text != "" %}{{ t.labels }}: {{ a.labels_text }}
{% endif %}{{ t.started }}: {{ a.starts_at }}
{% if a.ends_at %}{{ t.ended }}: {{ a.ends_at }}
{% endif %}{% for l in a.links %}{{ l.text }}: {{ l.url }}
{% endfor %}{% endfor %}{% if n.more > 0 %}
{{ n.more_text }}{% if n.portal_url %}: {{ n.portal_url }}{% endif %}
{% endif %}`,
  html: `<h3>{{ n.title }}</h3>
{% if n.change_line %}<p style="background:#fff8e1;padding:6px 10px;border-radius:6px">{{ n.change_line }}{% if n.changes_url %} · <a href="{{ n.changes_url }}">{{ t.change_link }}</a>{% endif %}</p>{% endif %}
{% if n.ack_url or n.logs_url %}<p>{% if n.ack_url %}<a href="{{ n.ack_url }}" style="display:inline-block;padding:6px 14px;background:#0969da;color:#fff;border-radius:6px;text-decoration:none">{{ t.ack_group }}</a> {% endif %}{% if n.logs_url %}<a href="{{ n.logs_url }}">{{ t.logs }}</a>{% endif %}</p>{% endif %}
{% if n.note %}<p><em>{{ n.note }}</em></p>{% endif %}
{% for a in n.alerts %}<div style="border-left:4px solid {% if a.status == "resolved" %}#2e7d32{% elsif a.severity == "critical" %}#c62828{% elsif a.severity == "warning" %}#ef6c00{% else %}#1565c0{% endif %};padding:4px 12px;margin:12px 0">
<p><strong>{{ a.status_text }} · {{ a.severity_text }} · {{ a.alertname }}</strong></p>
<p>{{ a.summary }}</p>
{% if a.description != "" %}<p style="color:#555">{{ a.description }}</p>{% endif %}
<table style="font-size:13px">{% if a.labels_text != "" %}<tr><td>{{ t.labels }}</td><td>{{ a.labels_text }}</td></tr>{% endif %}
<tr><td>{{ t.started }}</td><td>{{ a.starts_at }}</td></tr>{% if a.ends_at %}<tr><td>{{ t.ended }}</td><td>{{ a.ends_at }}</td></tr>{% endif %}</table>
<p>{% for l in a.links %}<a href="{{ l.url }}">{{ l.text }}</a>{% unless forloop.last %} | {% endunless %}{% endfor %}</p>
</div>
{% endfor %}{% if n.more > 0 %}<p>{{ n.more_text }}{% if n.portal_url %} · <a href="{{ n.portal_url }}">{{ t.portal }}</a>{% endif %}</p>{% endif %}`,
  digestLine: `- {{ a.icon }} **{{ a.alertname }}** {{ a.status_text }} · {{ a.severity_text }} · {{ a.summary }}{% if a.labels_text != "" %} ({{ a.labels_text }}){% endif %}`,
};

export type Format = "markdown" | "text" | "html";

export function renderNotification(view: NotificationView, format: Format, o: RenderOptions, custom?: string): string {
  const engine = format === "html" ? liquidHtml : liquid;
  const n = format === "markdown" ? markdownView(view) : view;
  return engine
    .parseAndRenderSync(custom ?? TEMPLATES[format], { n, t: STRINGS[o.lang] })
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

/** What a message must fit: the channel's format and byte limit, and what it appends to every body (mentions). */
export interface MessageShape {
  format: Format;
  maxBytes: number;
  /** Its size as the provider measures it; the body's UTF-8 bytes unless given. */
  measure?: (title: string, body: string) => number;
  suffix?: string;
  /** A custom Liquid template for single notifications. */
  custom?: string;
}

/**
 * One notification within `maxBytes`: when its alerts do not fit, as many as fit are shown, with
 * "+N more" and a link to the portal for the rest.
 */
export function renderFitted(n: Notification, shape: MessageShape, o: RenderOptions): string {
  const { format, maxBytes, custom, suffix = "" } = shape;
  const size = sizeOf(shape);
  let limit = n.payload.alerts.length;
  for (;;) {
    const view = notificationView(n, o, limit);
    const body = renderNotification(view, format, o, custom) + suffix;
    if (size(view.title, body) <= maxBytes) return body;
    if (limit <= 1) return cutToFit(view.title, body, shape);
    limit = Math.max(1, Math.floor(limit * 0.7));
  }
}

const sizeOf = (shape: MessageShape) => shape.measure ?? ((_title: string, body: string) => bytes(body));

/** Cuts a body until the provider's measure of it fits (escaping can make it grow past its bytes). */
function cutToFit(title: string, body: string, shape: MessageShape): string {
  const size = sizeOf(shape);
  let cut = body;
  for (let max = shape.maxBytes; max > 0 && size(title, cut) > shape.maxBytes;)
    cut = truncateBytes(body, (max -= size(title, cut) - shape.maxBytes + 16));
  return cut;
}

export function truncateBytes(s: string, max: number): string {
  const buf = Buffer.from(s, "utf8");
  if (buf.length <= max) return s;
  // Cut on a character boundary: drop UTF-8 continuation bytes at the cut.
  let end = max - 3;
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString("utf8") + "…";
}

export interface Digest {
  text: string;
  /** The notifications whose every alert is named in the text. */
  included: Notification[];
  title: string;
}

/**
 * Many queued notifications merged into one message within `maxBytes`, one line per alert, oldest
 * first. Notifications that do not fit stay out (and queued); `last` adds "+N more" with a link
 * for them.
 */
export function renderDigest(
  queue: Notification[],
  shape: MessageShape & { format: "markdown" | "text" },
  o: RenderOptions,
  options: { last: boolean },
): Digest {
  const { format, maxBytes, suffix = "" } = shape;
  const { last } = options;
  const t = STRINGS[o.lang];
  const alertsTotal = queue.reduce((s, n) => s + n.payload.alerts.length, 0);
  const title = fill(t.digest_title, { N: alertsTotal });
  const head = format === "markdown" ? `### ${title}\n> ${t.digest_note}\n\n` : `${title}\n${t.digest_note}\n\n`;
  const portal = join(o.links.portal_url, "alerts");
  const tail = (left: number) =>
    left > 0
      ? `\n\n${fill(t.more, { N: left })}${portal ? (format === "markdown" ? ` · [${t.portal}](${portal})` : `: ${portal}`) : ""}`
      : "";
  const size = sizeOf(shape);
  const reserve = tail(alertsTotal) + suffix;
  let text = head;
  const included: Notification[] = [];
  let named = 0;
  for (const n of queue) {
    const lines = n.payload.alerts.map((a) => {
      const view = alertView(a, o, t);
      const line = liquid.parseAndRenderSync(TEMPLATES.digestLine, {
        a: format === "markdown" ? markdownAlert(view) : view,
      });
      return format === "markdown" ? line : line.replace(/\*\*/g, "");
    });
    const chunk = lines.join("\n") + "\n";
    // A notification is in whole or not at all; one that does not fit alone is sent on its own
    // (renderFitted names as many of its alerts as fit).
    if (size(title, text + chunk + reserve) > maxBytes) break;
    text += chunk;
    included.push(n);
    named += lines.length;
  }
  return { text: (text.trimEnd() + (last ? tail(alertsTotal - named) : "") + suffix).trim(), included, title };
}
