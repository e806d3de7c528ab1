// The notifier's own news, as notifications in Alertmanager's shape so they render, queue and
// deliver like any alert: the pipeline broken or back (dead-man's switch), a channel failing,
// a test message.
import type { Lang } from "./i18n.ts";
import { fill, STRINGS } from "./i18n.ts";
import { newId } from "./ids.ts";
import type { AmPayload, Notification, NotificationKind } from "./model.ts";

export function systemNotification(opts: {
  kind: NotificationKind;
  alertname: string;
  severity: "critical" | "warning" | "info";
  status?: "firing" | "resolved";
  summary: string;
  description: string;
  channels: string[];
  now?: number;
}): Notification {
  const now = opts.now ?? Date.now();
  const status = opts.status ?? "firing";
  const at = new Date(now).toISOString();
  const labels = { alertname: opts.alertname, severity: opts.severity, source: "opsdeck-notifier" };
  const payload: AmPayload = {
    version: "4",
    groupKey: `opsdeck-notifier:${opts.alertname}`,
    truncatedAlerts: 0,
    status,
    receiver: "opsdeck-notifier",
    groupLabels: { alertname: opts.alertname },
    commonLabels: labels,
    commonAnnotations: { summary: opts.summary, description: opts.description },
    externalURL: "",
    alerts: [
      {
        status,
        labels,
        annotations: { summary: opts.summary, description: opts.description },
        startsAt: at,
        endsAt: status === "resolved" ? at : "0001-01-01T00:00:00Z",
        generatorURL: "",
        fingerprint: "",
      },
    ],
  };
  return {
    id: newId(now),
    kind: opts.kind,
    received_at: now,
    receiver: "opsdeck-notifier",
    payload,
    channels: opts.channels,
  };
}

export function pipelineNotification(lang: Lang, broken: boolean, minutes: number, channels: string[]) {
  const t = STRINGS[lang];
  return systemNotification({
    kind: "system",
    alertname: "OpsDeckPipelineBroken",
    severity: "critical",
    status: broken ? "firing" : "resolved",
    summary: broken ? t.pipeline_broken : t.pipeline_back,
    description: broken ? fill(t.pipeline_broken_description, { M: minutes }) : t.pipeline_back_description,
    channels,
  });
}

export function channelFailingNotification(
  lang: Lang,
  channel: string,
  code: string,
  reason: string,
  channels: string[],
) {
  const t = STRINGS[lang];
  return systemNotification({
    kind: "system",
    alertname: "OpsDeckChannelFailing",
    severity: "critical",
    summary: `${t.channel_failing}: ${channel}`,
    description: fill(t.channel_failing_description, { C: channel, E: code, R: reason }),
    channels,
  });
}

export function testNotification(lang: Lang, channel: string) {
  const t = STRINGS[lang];
  return systemNotification({
    kind: "test",
    alertname: "OpsDeckTest",
    severity: "info",
    summary: t.test_summary,
    description: fill(t.test_description, { C: channel }),
    channels: [channel],
  });
}
