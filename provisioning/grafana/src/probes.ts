// Probes: is it up, from where — blackbox_exporter's answers for opsdeck.yml's probes: up or
// down over time, availability, latency and where it goes, status codes, certificates.
import { dashboardFor } from "@opsdeck/contracts/dashboards";
import {
  labelVariable,
  opsdeckDashboard,
  prometheusVariable,
  stateTimeline,
  statPanel,
  tablePanel,
  timeSeries,
  UP_DOWN,
} from "./panels.ts";

const p = 'job="probes", probe=~"$probe", host=~"$host"';

export const probes = () =>
  opsdeckDashboard(dashboardFor("/probes")!, {
    description:
      "opsdeck.yml's probes as blackbox_exporter answers them: up or down, availability, latency, status codes and certificates.",
    variables: [
      prometheusVariable(),
      labelVariable("probe", "Probe", 'label_values(probe_success{job="probes"}, probe)', { multi: true }),
      labelVariable("host", "From", 'label_values(probe_success{job="probes"}, host)', { multi: true }),
    ],
    sections: [
      [
        "State",
        [
          stateTimeline({
            title: "Up or down",
            description: "Each probe's result over time; ProbeDown fires when 3 of the last 4 failed.",
            unit: "none",
            queries: [[`probe_success{${p}}`, "{{probe}} ({{host}})"]],
            mappings: UP_DOWN,
            span: 24,
          }),
          statPanel({
            title: "Availability (24 h)",
            description: "Share of the last 24 hours' probes that succeeded.",
            unit: "percentunit",
            decimals: 2,
            queries: [[`avg by (probe) (avg_over_time(probe_success{${p}}[24h]))`, "{{probe}}"]],
            steps: [
              [null, "red"],
              [0.99, "orange"],
              [0.999, "green"],
            ],
            span: 12,
          }),
          statPanel({
            title: "Availability (the time range)",
            description: "Share of the probes in the dashboard's time range that succeeded.",
            unit: "percentunit",
            decimals: 3,
            queries: [[`avg by (probe) (avg_over_time(probe_success{${p}}[$__range]))`, "{{probe}}"]],
            steps: [
              [null, "red"],
              [0.99, "orange"],
              [0.999, "green"],
            ],
            span: 12,
          }),
        ],
      ],
      [
        "Latency",
        [
          timeSeries({
            title: "Probe time, p95 of 5 minutes",
            description: "ProbeSlow compares this with the probe's own slow_ms (dashed: opsdeck_probe_slow_seconds).",
            unit: "s",
            queries: [
              [`quantile_over_time(0.95, probe_duration_seconds{${p}}[5m])`, "{{probe}} ({{host}})"],
              [`max by (probe) (opsdeck_probe_slow_seconds{probe=~"$probe"})`, "{{probe}} threshold"],
            ],
            span: 12,
          }),
          timeSeries({
            title: "Where the time goes (HTTP)",
            description: "DNS, connect, TLS, waiting for the first byte (processing) and transfer.",
            unit: "s",
            stack: true,
            queries: [[`sum by (probe, phase) (probe_http_duration_seconds{${p}})`, "{{probe}} {{phase}}"]],
            span: 12,
          }),
        ],
      ],
      [
        "Answers",
        [
          timeSeries({
            title: "HTTP status code",
            description: "The last answer's status (0: no answer).",
            unit: "none",
            queries: [[`probe_http_status_code{${p}}`, "{{probe}} ({{host}})"]],
            span: 12,
          }),
          tablePanel({
            title: "Certificates",
            description: "Days until the chain a client verifies expires (CertificateExpiring: 21, 14, 7 and 3 days).",
            unit: "d",
            queries: [
              {
                expr: `(probe_ssl_last_chain_expiry_timestamp_seconds{${p}} - time()) / 86400`,
                legend: "{{probe}}",
                instant: true,
              },
            ],
            hide: ["Time", "__name__", "job", "probe_type"],
            span: 12,
          }),
        ],
      ],
    ],
  });
