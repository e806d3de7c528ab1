// PM2 processes: the daemon, each app's processes (status, restarts, CPU, memory, event loop)
// and the apps' own @pm2/io metrics, one row per app repeated over the `app` variable.
import { dashboardFor } from "@opsdeck/contracts/dashboards";
import {
  labelVariable,
  opsdeckDashboard,
  prometheusVariable,
  row,
  stateTimeline,
  statPanel,
  tablePanel,
  timeSeries,
  UP_DOWN,
} from "./panels.ts";

const all = 'host=~"$host", app=~"$app"';
/** Inside the row repeated per app: `$app` is that one app (=~ as it is a regex-escaped value). */
const one = 'host=~"$host", app=~"$app"';

export const pm2 = () =>
  opsdeckDashboard(dashboardFor("/processes")!, {
    description: "Apps under PM2: status, restarts, CPU, memory, event loop and the apps' own metrics.",
    variables: [
      prometheusVariable(),
      labelVariable("host", "Host", "label_values(pm2_daemon_up, host)"),
      labelVariable("app", "App", 'label_values(pm2_process_up{host=~"$host"}, app)'),
    ],
    sections: [
      [
        "Overview",
        [
          statPanel({
            title: "PM2 daemon",
            description: "Whether the exporter reaches the PM2 daemon on each host (PM2DaemonDown).",
            unit: "none",
            queries: [['pm2_daemon_up{host=~"$host"}', "{{host}}"]],
            mappings: UP_DOWN,
            steps: [
              [null, "red"],
              [1, "green"],
            ],
            span: 4,
          }),
          statPanel({
            title: "Processes online",
            description: "Processes in status online, of the selected apps.",
            unit: "short",
            queries: [[`sum(pm2_process_up{${all}})`, "online"]],
            span: 4,
          }),
          statPanel({
            title: "Processes not online",
            description: "Stopped, errored, launching or stopping processes of the selected apps.",
            unit: "short",
            queries: [[`count(pm2_process_up{${all}} == 0) or vector(0)`, "not online"]],
            steps: [
              [null, "green"],
              [1, "red"],
            ],
            span: 4,
          }),
          statPanel({
            title: "Restarts in range",
            description: "Restarts of the selected apps within the dashboard's time range.",
            unit: "short",
            queries: [[`sum(increase(pm2_process_restarts_total{${all}}[$__range]))`, "restarts"]],
            steps: [
              [null, "green"],
              [1, "orange"],
              [5, "red"],
            ],
            span: 4,
          }),
          statPanel({
            title: "CPU",
            description: "CPU of the selected apps' processes; 100% is one core.",
            unit: "percentunit",
            queries: [[`sum(pm2_app_cpu_ratio{${all}})`, "CPU"]],
            span: 4,
            graph: true,
          }),
          statPanel({
            title: "Memory",
            description: "Resident memory of the selected apps' processes.",
            unit: "bytes",
            queries: [[`sum(pm2_app_memory_bytes{${all}})`, "memory"]],
            span: 4,
            graph: true,
          }),
          stateTimeline({
            title: "Process up",
            description: "Each process: online (up) or not (down). Restarts show as short down stretches.",
            unit: "none",
            queries: [[`pm2_process_up{${all}}`, "{{app}} #{{app_instance}}"]],
            mappings: UP_DOWN,
            span: 12,
          }),
          tablePanel({
            title: "Processes",
            description:
              "Every process now: status, version, Node.js, exec mode, uptime, and its restarts within the time range.",
            unit: "none",
            queries: [
              { expr: `pm2_process_status{${all}} == 1`, legend: "status" },
              { expr: `pm2_process_info{${all}}`, legend: "info" },
              { expr: `pm2_process_uptime_seconds{${all}}`, legend: "uptime" },
              { expr: `increase(pm2_process_restarts_total{${all}}[$__range])`, legend: "restarts in range" },
            ],
            hide: ["job", "instance", "Value #A", "Value #B"],
            span: 12,
          }),
        ],
      ],
      [
        row("$app", "app"),
        [
          timeSeries({
            title: "CPU by process",
            description: "CPU of each instance of the app; 100% is one core.",
            unit: "percentunit",
            min: 0,
            queries: [[`pm2_process_cpu_ratio{${one}}`, "{{host}} #{{app_instance}}"]],
            span: 8,
          }),
          timeSeries({
            title: "Memory by process",
            description: "Resident memory of each instance (PM2ProcessMemoryGrowing watches its trend).",
            unit: "bytes",
            min: 0,
            queries: [[`pm2_process_memory_bytes{${one}}`, "{{host}} #{{app_instance}}"]],
            span: 8,
          }),
          timeSeries({
            title: "Restarts",
            description:
              "Restarts of each instance per interval; unstable restarts are those PM2 counted as crashing at start.",
            unit: "short",
            bars: true,
            queries: [
              [`increase(pm2_process_restarts_total{${one}}[$__rate_interval])`, "{{host}} #{{app_instance}}"],
              [
                `increase(pm2_process_unstable_restarts_total{${one}}[$__rate_interval])`,
                "{{host}} #{{app_instance}} unstable",
              ],
            ],
            span: 8,
          }),
          timeSeries({
            title: "Event loop latency",
            description:
              "@pm2/io's event loop latency (mean and p95); above 100 ms the app answers slowly (PM2EventLoopLag).",
            unit: "s",
            min: 0,
            queries: [
              [`pm2_process_metric_event_loop_latency_seconds{${one}}`, "{{host}} #{{app_instance}} mean"],
              [`pm2_process_metric_event_loop_latency_p95_seconds{${one}}`, "{{host}} #{{app_instance}} p95"],
            ],
            span: 8,
          }),
          timeSeries({
            title: "Heap",
            description: "V8 heap used and its size, from @pm2/io.",
            unit: "bytes",
            min: 0,
            queries: [
              [`pm2_process_metric_used_heap_size_bytes{${one}}`, "{{host}} #{{app_instance}} used"],
              [`pm2_process_metric_heap_size_bytes{${one}}`, "{{host}} #{{app_instance}} size"],
            ],
            span: 8,
          }),
          timeSeries({
            title: "The app's own metrics",
            description: "Every other @pm2/io metric the app reports (pm2_process_metric_*), in its own units.",
            unit: "short",
            queries: [
              [
                `{__name__=~"pm2_process_metric_.+", __name__!~"pm2_process_metric_(event_loop_latency.*|used_heap_size_bytes|heap_size_bytes)", ${one}}`,
                "{{__name__}} #{{app_instance}}",
              ],
            ],
            span: 8,
          }),
        ],
      ],
    ],
  });
