// A probe's dependencies as Alertmanager inhibit rules: when the host it runs on is down, or its
// PM2 app is (or runs without listening on its port), the probe's ProbeDown and ProbeSlow are inhibited — the parent's alert is the one
// that says what happened — while blackbox keeps probing and Prometheus keeps recording. One
// rule per parent and probe, with exact matchers (a probe's own `host` label is where it was
// probed from, not where the service runs, so an `equal:` rule could not say it).
import type { Probe } from "../config/probes.ts";

export interface InhibitRule {
  source_matchers: string[];
  target_matchers: string[];
}

/** A matcher's value, quoted as Alertmanager's matcher syntax reads it. */
const quoted = (value: string) => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

/** The alerts that say a host is down, and a PM2 app is. */
export const HOST_DOWN_ALERTS = ["HostDown", "PM2DaemonDown"];
export const APP_DOWN_ALERTS = [
  "PM2ProcessErrored",
  "PM2ProcessNotOnline",
  "PM2ProcessCrashLooping",
  "PortNotListening",
];

export function probeInhibitRules(probes: Probe[]): InhibitRule[] {
  return probes
    .filter((p) => p.enabled && p.depends_on)
    .flatMap((p) => {
      const { host, app } = p.depends_on!;
      const target = [`alertname=~"ProbeDown|ProbeSlow"`, `probe=${quoted(p.name)}`];
      return [
        ...(host
          ? [
              {
                source_matchers: [`alertname=~"${HOST_DOWN_ALERTS.join("|")}"`, `host=${quoted(host)}`],
                target_matchers: target,
              },
            ]
          : []),
        ...(app
          ? [
              {
                source_matchers: [
                  `alertname=~"${APP_DOWN_ALERTS.join("|")}"`,
                  `app=${quoted(app)}`,
                  ...(host ? [`host=${quoted(host)}`] : []),
                ],
                target_matchers: target,
              },
            ]
          : []),
      ];
    });
}
