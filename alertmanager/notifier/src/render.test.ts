import { describe, expect, it } from "vitest";
import type { ChangeSummary } from "@opsdeck/contracts";
import type { AmAlert, Notification } from "./model.ts";
import {
  formatTime,
  notificationView,
  renderDigest,
  renderFitted,
  renderNotification,
  truncateBytes,
  type RenderOptions,
} from "./render.ts";

const o = (lang: "zh-CN" | "en" = "zh-CN"): RenderOptions => ({
  lang,
  timezone: "Asia/Shanghai",
  links: {
    portal_url: "http://portal:8090",
    alertmanager_url: "http://am:9093",
    prometheus_url: "https://ops.example.com/prometheus/",
    runbook_base_url: "https://git.example/ops/blob/main/",
  },
});

const alert = (name: string, extra: Partial<AmAlert> = {}): AmAlert => ({
  status: "firing",
  labels: { alertname: name, severity: "critical", host: "web1" },
  annotations: {
    summary: `${name} on web1`,
    description: "Something is wrong.",
    runbook_url: `docs/runbooks.md#${name.toLowerCase()}`,
  },
  startsAt: "2026-11-22T08:00:00Z",
  endsAt: "0001-01-01T00:00:00Z",
  generatorURL: "http://prom:9090/graph?g0.expr=up",
  fingerprint: `fp-${name}`,
  ...extra,
});

const notification = (alerts: AmAlert[], id = "n1"): Notification => ({
  id,
  kind: "alert",
  received_at: 0,
  receiver: "default",
  channels: ["c"],
  payload: {
    version: "4",
    groupKey: '{}:{alertname="X"}',
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === "firing") ? "firing" : "resolved",
    receiver: "default",
    groupLabels: {},
    commonLabels: { alertname: alerts[0].labels.alertname },
    commonAnnotations: {},
    externalURL: "http://am:9093",
    alerts,
  },
});

describe("messages", () => {
  it("show status, severity, name, summary, description, labels, local times and links — in Chinese", () => {
    const md = renderNotification(notificationView(notification([alert("HostDown")]), o()), "markdown", o());
    expect(md).toContain("### [告警] HostDown");
    expect(md).toContain("告警 · 严重 · HostDown");
    expect(md).toContain("HostDown on web1");
    expect(md).toContain("> Something is wrong.");
    expect(md).toContain("标签: host=web1");
    expect(md).toContain("开始时间: 2026-11-22 16:00:00 (Asia/Shanghai)");
    expect(md).toContain(
      "[告警详情](http://portal:8090/alerts?matchers=alertname%3D%22HostDown%22%2C+severity%3D%22critical%22%2C+host%3D%22web1%22)",
    );
    // The graph on the Prometheus people can open (links.prometheus_url), not Prometheus' own host name.
    expect(md).toContain("[图表](https://ops.example.com/prometheus/graph?g0.expr=up)");
    const noPrometheus = { ...o(), links: { ...o().links, prometheus_url: undefined } };
    expect(
      renderNotification(notificationView(notification([alert("HostDown")]), noPrometheus), "markdown", noPrometheus),
    ).not.toContain("图表");
    expect(md).toContain("[处理手册](https://git.example/ops/blob/main/docs/runbooks.md#hostdown)");
  });

  it("carry one-tap links to acknowledge the group in the portal and to its logs", () => {
    const n = notification([alert("HostDown")]);
    n.payload.groupLabels = { alertname: "HostDown" };
    n.payload.commonLabels = { alertname: "HostDown", host: "web1" };
    const md = renderNotification(notificationView(n, o()), "markdown", o());
    const links = Object.fromEntries([...md.matchAll(/\[([^\]]+)\]\(([^)]+)\)/g)].map((m) => [m[1], new URL(m[2])]));
    expect(links["一键确认"].pathname).toBe("/alerts");
    expect(Object.fromEntries(links["一键确认"].searchParams)).toEqual({ matchers: 'alertname="HostDown"', ack: "1" });
    expect(links["日志"].pathname).toBe("/logs");
    // From 15 minutes before the group started, on its host.
    expect(Object.fromEntries(links["日志"].searchParams)).toEqual({
      from: "2026-11-22T07:45:00.000Z",
      to: "now",
      host: "web1",
    });
    // Each alert's own link acknowledges it in the portal, not in Alertmanager's UI.
    expect(links["确认"].searchParams.get("ack")).toBe("1");
    expect(md).not.toContain("silences/new");
    // The same in e-mail (a button) and plain text; and a portal under a path keeps its path.
    const under = { ...o(), links: { portal_url: "https://ops.example.com/opsdeck" } };
    const html = renderNotification(notificationView(n, under), "html", under);
    expect(html).toMatch(
      /<a href="https:\/\/ops\.example\.com\/opsdeck\/alerts\?matchers=[^"]+&amp;ack=1"[^>]*>一键确认<\/a>/,
    );
    const text = renderNotification(notificationView(n, under), "text", under);
    expect(text).toContain("日志: https://ops.example.com/opsdeck/logs?from=");
  });

  it("say a rule's Chinese summary and description in Chinese messages, its English in English ones", () => {
    const a = alert("HostDown", {
      annotations: {
        summary: "Host web1 is down",
        summary_zh: "主机 web1 宕机",
        description: "Prometheus has not reached it.",
        description_zh: "Prometheus 无法访问它。",
      },
    });
    const zh = renderNotification(notificationView(notification([a]), o()), "markdown", o());
    expect(zh).toContain("主机 web1 宕机");
    expect(zh).toContain("> Prometheus 无法访问它。");
    expect(zh).not.toContain("Host web1 is down");
    const en = renderNotification(notificationView(notification([a]), o("en")), "markdown", o("en"));
    expect(en).toContain("Host web1 is down");
    expect(en).not.toContain("宕机");
  });

  it("link to Alertmanager's silence form only where no portal is linked", () => {
    const bare = { ...o(), links: { alertmanager_url: "http://am:9093" } };
    const md = renderNotification(notificationView(notification([alert("HostDown")]), bare), "markdown", bare);
    expect(md).toMatch(/\[静默\]\(http:\/\/am:9093\/#\/silences\/new\?filter=%7Balertname%3D%22HostDown%22/);
    expect(md).not.toContain("一键确认");
  });

  it("in English, with the end time of a resolved alert and no silence link", () => {
    const n = notification([alert("HostDown", { status: "resolved", endsAt: "2026-11-22T09:30:00Z" })]);
    const text = renderNotification(notificationView(n, o("en")), "text", o("en"));
    expect(text).toContain("[RESOLVED] HostDown");
    expect(text).toContain("Ended: 2026-11-22 17:30:00 (Asia/Shanghai)");
    expect(text).not.toContain("Silence");
    expect(text).not.toContain("Acknowledge");
  });

  it("take a custom Liquid template, with no way to run code", () => {
    const view = notificationView(notification([alert("HostDown")]), o("en"));
    const custom = "{{ n.title }} / {% for a in n.alerts %}{{ a.alertname }}={{ a.severity_text }}{% endfor %}";
    expect(renderNotification(view, "markdown", o("en"), custom)).toBe("[FIRING] HostDown / HostDown=critical");
    // Liquid has no eval; prototype properties are not reachable either.
    expect(renderNotification(view, "markdown", o("en"), "{{ n.constructor.name }}{{ n.__proto__ }}")).toBe("");
  });

  it("escapes HTML in e-mail", () => {
    const html = renderNotification(
      notificationView(notification([alert("X", { annotations: { summary: "<script>x</script>" } })]), o("en")),
      "html",
      o("en"),
    );
    expect(html).toContain("&lt;script&gt;");
    expect(html).not.toContain("<script>");
  });

  it("fit a byte limit by listing fewer alerts, with +N more and a portal link", () => {
    const n = notification(Array.from({ length: 60 }, (_, i) => alert(`A${i}`)));
    const md = renderFitted(n, { format: "markdown", maxBytes: 4096 }, o("en"));
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(4096);
    expect(md).toMatch(/\+\d+ more not listed · \[see all in the portal\]\(http:\/\/portal:8090\/alerts\)/);
  });

  it("cut on a UTF-8 character boundary", () => {
    const s = truncateBytes("告警".repeat(100), 50);
    expect(Buffer.byteLength(s)).toBeLessThanOrEqual(50);
    expect(s).not.toContain("\uFFFD");
  });

  it("formats times in the configured zone, and not the zero time", () => {
    expect(formatTime("2026-01-01T00:00:00Z", { ...o(), timezone: "UTC" })).toBe("2026-01-01 00:00:00 (UTC)");
    expect(formatTime("0001-01-01T00:00:00Z", o())).toBeUndefined();
  });
});

describe("digests", () => {
  const queue = Array.from({ length: 300 }, (_, i) => notification([alert(`Alert${i}`)], `n${i}`));

  it("name every alert that fits, oldest first, and leave the rest queued", () => {
    const d = renderDigest(queue, { format: "markdown", maxBytes: 20_000 }, o("en"), { last: false });
    expect(Buffer.byteLength(d.text)).toBeLessThanOrEqual(20_000);
    expect(d.included.length).toBeGreaterThan(20);
    expect(d.included.length).toBeLessThan(300);
    for (const n of d.included) expect(d.text).toContain(`**${n.payload.alerts[0].labels.alertname}**`);
    expect(d.included[0].id).toBe("n0");
    expect(d.text).not.toContain("more not listed");
  });

  it("say +N more with a link on the last message of the budget", () => {
    const d = renderDigest(queue, { format: "markdown", maxBytes: 4096 }, o("en"), { last: true });
    expect(Buffer.byteLength(d.text)).toBeLessThanOrEqual(4096);
    expect(d.text).toContain(`+${300 - d.included.length} more not listed`);
  });

  it("keep mentions inside the byte limit", () => {
    const d = renderDigest(queue, { format: "markdown", maxBytes: 4096, suffix: "\n\n@13800000000" }, o(), {
      last: true,
    });
    expect(d.text.endsWith("@13800000000")).toBe(true);
    expect(Buffer.byteLength(d.text)).toBeLessThanOrEqual(4096);
  });
});

describe("messages built from what others typed", () => {
  // A deploy's environment, a webhook's ref, a rule's annotation: text from outside OpsDeck.
  const hostile = alert("DeployFailed", {
    labels: {
      alertname: "DeployFailed",
      severity: "critical",
      environment: "prod\n\n### Rotate credentials [sign in](https://evil.example)",
      team: '<@zhangsan> <font color="warning">x</font>',
    },
    annotations: {
      summary: "# Urgent: [reset your password](https://evil.example/login)",
      description: "> quoted\n\n![img](https://evil.example/pixel.png)",
      runbook_url: "javascript:alert(1)",
    },
    generatorURL: "javascript:alert(document.cookie)",
  });

  const checkMarkdown = (md: string) => {
    const lines = md.split("\n");
    expect(lines.filter((l) => l.startsWith("#"))).toHaveLength(1); // our own title only
    expect(lines.filter((l) => /^\s*>\s*>/.test(l))).toEqual([]); // our own quotes only, none nested from data
    expect(md).not.toContain("](https://evil.example");
    expect(md).not.toMatch(/<@|<font/);
    expect(md).not.toMatch(/javascript:/i);
    expect(md).toContain("Rotate credentials"); // still shown, just harmless
  };

  it("cannot add headings, quotes, links, images, HTML or mentions to a single message", () => {
    const md = renderNotification(notificationView(notification([hostile]), o("en")), "markdown", o("en"));
    checkMarkdown(md);
  });

  it("cannot do so in a digest either", () => {
    const queue = [notification([hostile], "a"), notification([alert("Other")], "b")];
    checkMarkdown(renderDigest(queue, { format: "markdown", maxBytes: 20_000 }, o("en"), { last: true }).text);
  });

  it("drops links that are not http(s) in every format", () => {
    const text = renderNotification(notificationView(notification([hostile]), o("en")), "text", o("en"));
    expect(text).not.toMatch(/javascript:/i);
    const html = renderNotification(notificationView(notification([hostile]), o("en")), "html", o("en"));
    expect(html).not.toMatch(/javascript:/i);
    expect(html).not.toContain("<font");
  });
});

describe("the 'what changed?' line", () => {
  const summary = (actor: string): ChangeSummary => ({
    top: {
      kind: "deploy",
      minutes_before: 12,
      title: "shop v1.4.2",
      project: "shop",
      version: "v1.4.2",
      commit: "3f2a9c1",
      actor,
      result: "succeeded",
      hosts: [],
      reasons: [],
    },
    new_errors: { since: "v1.4.2", kinds: 3 },
    complete: true,
  });
  const withChanges = (actor: string, lang: "zh-CN" | "en" = "zh-CN"): RenderOptions => ({
    ...o(lang),
    changes: () => summary(actor),
  });

  it("comes right under the title, with a link to the group in the portal, in every format", () => {
    const n = notification([alert("HostDown")]);
    const md = renderNotification(notificationView(n, withChanges("alice")), "markdown", withChanges("alice"));
    // The timeline from ten minutes before the deploy (12 minutes before the 08:00 alert).
    expect(md.split("\n")[1]).toBe(
      "⚠ 12 分钟前 shop 部署了 v1.4.2（alice，3f2a9c1） · 新错误 3 种 · [时间线](http://portal:8090/timeline?from=2026-11-22T07%3A38%3A00.000Z&at=1795334400000&host=web1)",
    );
    const text = renderNotification(
      notificationView(n, withChanges("alice", "en")),
      "text",
      withChanges("alice", "en"),
    );
    expect(text.split("\n")[1]).toMatch(
      /^⚠ shop v1\.4\.2 deployed 12 min ago \(alice, 3f2a9c1\) · new error kinds: 3 http:\/\/portal:8090\/timeline\?/,
    );
    const html = renderNotification(notificationView(n, withChanges("alice")), "html", withChanges("alice"));
    expect(html).toContain("部署了 v1.4.2");
  });

  it("is escaped like every label: a deploy's actor cannot add links, mentions, headings or HTML", () => {
    const actor = "<@all> [x](https://evil.example)\n### <b>boss</b>";
    const n = notification([alert("HostDown")]);
    const md = renderNotification(notificationView(n, withChanges(actor)), "markdown", withChanges(actor));
    expect(md).not.toMatch(/<@all>|\]\(https:\/\/evil|<b>|\n###/);
    const html = renderNotification(notificationView(n, withChanges(actor)), "html", withChanges(actor));
    expect(html).toContain("&lt;b&gt;boss");
  });

  it("stays inside the byte limit", () => {
    const n = notification(Array.from({ length: 60 }, (_, i) => alert(`A${i}`)));
    const long = "x".repeat(3000);
    const md = renderFitted(n, { format: "markdown", maxBytes: 4096 }, withChanges(long, "en"));
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(4096);
  });

  it("is left out without an answer", () => {
    expect(notificationView(notification([alert("HostDown")]), o()).change_line).toBeUndefined();
  });
});
