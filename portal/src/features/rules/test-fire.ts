// A rule's test-fire (dry run): the alert it would fire — its labels, with those of a series
// for which the condition holds now when there is one — walked through the running
// Alertmanager's routes, inhibitions and silences, then rendered by the notifier for every
// channel of each receiver it reaches, as it would send it. With `send`, the notifier also
// sends it once to that channel.
import { fetchFromReplicas } from "@opsdeck/core/replicas";
import { portalSources } from "@opsdeck/core";
import { amAlerts, amSilences } from "@/lib/sources.ts";
import { config } from "@/lib/config.ts";
import { callService } from "@/lib/service-call.ts";
import {
  inhibitionsOf,
  parseAlertmanagerConfig,
  routesFor,
  silencesOf,
  type Inhibition,
  type RouteMatch,
  type SilenceLike,
} from "./routing.ts";
import { previewText } from "./annotation-preview.ts";
import { prometheusRule, type RuleInput } from "./rule.ts";

export interface RenderedChannel {
  channel: string;
  type: string;
  format: string;
  title: string;
  body: string;
}

export interface TestFire {
  labels: Record<string, string>;
  routes: (RouteMatch & { group: Record<string, string>; channels: RenderedChannel[] })[];
  inhibited_by: Inhibition[];
  silenced_by: Pick<SilenceLike, "id" | "createdBy" | "comment" | "endsAt">[];
  /** The notification id of the real message, when one was sent. */
  sent?: string;
}

async function alertmanagerConfig() {
  const { alertmanager_urls, timeout_seconds } = portalSources(config());
  const res = await fetchFromReplicas(alertmanager_urls, "/api/v2/status", { timeoutMs: timeout_seconds * 1000 });
  if (!res.ok) throw new Error(`Alertmanager: HTTP ${res.status}`);
  const status = (await res.json()) as { config: { original: string } };
  return parseAlertmanagerConfig(status.config.original);
}

export async function testFire(
  rule: RuleInput,
  /** A series for which the condition holds now, if one does: its labels and value. */
  example: { labels: Record<string, string>; value: number } | undefined,
  send: string | undefined,
): Promise<TestFire | Response> {
  const p = prometheusRule({ ...rule, id: "test" });
  const { __name__: _name, ...seriesLabels } = example?.labels ?? {};
  const labels: Record<string, string> = { ...seriesLabels, ...p.labels, alertname: rule.alert };
  // The value it would say: the example's, else the threshold it crosses.
  const value = example?.value ?? (rule.condition.kind === "threshold" ? rule.condition.threshold : 1);
  const annotations = Object.fromEntries(
    Object.entries(p.annotations).map(([k, v]) => [k, previewText(v, labels, value)]),
  );
  let amConfig;
  try {
    amConfig = await alertmanagerConfig();
  } catch (err) {
    return Response.json({ error: (err as Error).message }, { status: 502 });
  }
  const [firing, silences] = await Promise.all([amAlerts(), amSilences()]);
  const routes = routesFor(amConfig, labels);
  const now = new Date().toISOString();
  const result: TestFire = {
    labels,
    routes: [],
    inhibited_by: inhibitionsOf(amConfig, labels, firing.ok ? firing.data.map((a) => a.labels) : []),
    silenced_by: (silences.ok ? silencesOf(silences.data as SilenceLike[], labels) : []).map(
      ({ id, createdBy, comment, endsAt }) => ({ id, createdBy, comment, endsAt }),
    ),
  };
  for (const route of routes) {
    const group = Object.fromEntries(route.groupBy.filter((l) => labels[l] !== undefined).map((l) => [l, labels[l]]));
    const payload = {
      version: "4",
      groupKey: `{}:${JSON.stringify(group)}`,
      status: "firing",
      receiver: route.receiver,
      groupLabels: group,
      commonLabels: labels,
      commonAnnotations: annotations,
      externalURL: "",
      alerts: [
        {
          status: "firing",
          labels,
          annotations,
          startsAt: now,
          endsAt: "0001-01-01T00:00:00Z",
          generatorURL: "",
          fingerprint: "0000000000000000",
        },
      ],
    };
    // The real send goes to the first receiver that has the channel.
    const sendHere = send && !result.sent ? send : undefined;
    const call = await callService<{ channels: RenderedChannel[]; id?: string }>({
      service: "notifier",
      url: new URL("/api/v1/preview", portalSources(config()).notifier_url),
      token: config().notifier?.token,
      tokenKey: "notifier.token",
      body: { payload, ...(sendHere && { send: sendHere }) },
      passed: [400],
    });
    if (call.response) {
      if (sendHere && call.response.status === 400) continue; // not this receiver's channel
      return call.response;
    }
    if (call.answer.id) result.sent = call.answer.id;
    result.routes.push({ ...route, group, channels: call.answer.channels });
  }
  if (send && !result.sent)
    return Response.json({ error: `send: no receiver this alert reaches has the channel "${send}"` }, { status: 400 });
  return result;
}
