// OpsDeck stack: is the monitoring itself healthy — every scrape target, Prometheus' rules,
// Alertmanager's notifications, the notifier's queue and channels, the exporters, Filebeat and
// Elasticsearch. The dashboard to open when a page is suspiciously quiet.
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

const j = 'job=~"$job"';
const OPSDECK_SERVICES = 'job=~"pm2|deploy|business|notifier"';

export const stack = () =>
  opsdeckDashboard(dashboardFor("/")!, {
    description:
      "The monitoring stack itself: scrape targets, rule evaluation, Alertmanager, the notifier, the exporters, Filebeat and Elasticsearch.",
    time: "now-3h",
    variables: [prometheusVariable(), labelVariable("job", "Job", "label_values(up, job)")],
    sections: [
      [
        "Targets",
        [
          statPanel({
            title: "Targets down",
            description: "Scrape targets Prometheus cannot reach now (TargetDown fires after 5 minutes).",
            unit: "short",
            queries: [[`count(up{${j}} == 0) or vector(0)`, "down"]],
            steps: [
              [null, "green"],
              [1, "red"],
            ],
            span: 4,
          }),
          statPanel({
            title: "Notification pipeline",
            description:
              "Whether Watchdog heartbeats reach the notifier: Prometheus → Alertmanager → notifier works end to end.",
            unit: "none",
            queries: [["min(opsdeck_notifier_pipeline_up)", "pipeline"]],
            mappings: UP_DOWN,
            steps: [
              [null, "red"],
              [1, "green"],
            ],
            span: 4,
          }),
          statPanel({
            title: "Alerts firing",
            description: "Alerts Alertmanager holds as active (Watchdog included: it always fires).",
            unit: "short",
            queries: [['sum(alertmanager_alerts{state="active"})', "active"]],
            span: 4,
          }),
          statPanel({
            title: "Rule evaluation failures",
            description: "Rule evaluations that failed in the time range (PrometheusRuleEvaluationFailures).",
            unit: "short",
            queries: [["sum(increase(prometheus_rule_evaluation_failures_total[$__range]))", "failures"]],
            steps: [
              [null, "green"],
              [1, "red"],
            ],
            span: 4,
          }),
          statPanel({
            title: "Dead letters",
            description: "Notifications the notifier could not deliver and keeps for a retry (NotifierDeadLetters).",
            unit: "short",
            queries: [["sum(opsdeck_notifier_dead_letters)", "dead letters"]],
            steps: [
              [null, "green"],
              [1, "red"],
            ],
            span: 4,
          }),
          statPanel({
            title: "Elasticsearch",
            description: "Cluster health: green, yellow (a replica unassigned) or red (data unavailable).",
            unit: "none",
            queries: [
              [
                'max(elasticsearch_cluster_health_status{color="green"}) * 2 + max(elasticsearch_cluster_health_status{color="yellow"})',
                "health",
              ],
            ],
            mappings: {
              "0": { text: "red", color: "red" },
              "1": { text: "yellow", color: "yellow" },
              "2": { text: "green", color: "green" },
            },
            span: 4,
          }),
          stateTimeline({
            title: "Targets up",
            description: "Each scrape target: up, or down since when.",
            unit: "none",
            queries: [[`up{${j}}`, "{{job}} {{instance}}"]],
            mappings: UP_DOWN,
            span: 24,
          }),
          timeSeries({
            title: "Scrape duration",
            description: "How long each scrape took; close to the 10 s timeout, the target is about to be marked down.",
            unit: "s",
            queries: [[`scrape_duration_seconds{${j}}`, "{{job}} {{instance}}"]],
          }),
          timeSeries({
            title: "Samples per scrape",
            description: "Series each target exposes; a sudden rise is a label with too many values.",
            unit: "short",
            queries: [[`scrape_samples_scraped{${j}}`, "{{job}} {{instance}}"]],
          }),
        ],
      ],
      [
        "Prometheus and Alertmanager",
        [
          timeSeries({
            title: "Rule groups: evaluation time",
            description: "How long each rule group's last evaluation took; it must stay under the group's interval.",
            unit: "s",
            queries: [["prometheus_rule_group_last_duration_seconds", "{{rule_group}}"]],
          }),
          timeSeries({
            title: "Rule evaluation failures",
            description: "Failed evaluations per second, by rule group.",
            unit: "ops",
            queries: [
              [
                "sum by (rule_group) (rate(prometheus_rule_evaluation_failures_total[$__rate_interval]))",
                "{{rule_group}}",
              ],
            ],
          }),
          timeSeries({
            title: "Alertmanager notifications",
            description: "Notifications Alertmanager sent to the notifier's webhook, and those that failed.",
            unit: "ops",
            queries: [
              [
                "sum by (integration) (rate(alertmanager_notifications_total[$__rate_interval]))",
                "{{integration}} sent",
              ],
              [
                "sum by (integration) (rate(alertmanager_notifications_failed_total[$__rate_interval]))",
                "{{integration}} failed",
              ],
            ],
          }),
          timeSeries({
            title: "Prometheus head series",
            description: "Series in Prometheus' memory; its memory grows with them.",
            unit: "short",
            queries: [["prometheus_tsdb_head_series", "{{instance}}"]],
          }),
        ],
      ],
      [
        "Notifier",
        [
          timeSeries({
            title: "Queue and dead letters",
            description:
              "Notifications waiting per channel (NotifierBacklog), and those given up on (NotifierDeadLetters).",
            unit: "short",
            queries: [
              ["opsdeck_notifier_queue_depth", "{{channel}} queued"],
              ["opsdeck_notifier_dead_letters", "{{channel}} dead letters"],
            ],
          }),
          timeSeries({
            title: "Messages against the rate budget",
            description:
              "Messages sent per minute by each channel, and what its rate limit still allows in the current minute.",
            unit: "short",
            queries: [
              [
                "sum by (channel) (rate(opsdeck_notifier_messages_sent_total[$__rate_interval])) * 60",
                "{{channel}} sent / min",
              ],
              ["opsdeck_notifier_rate_budget_remaining", "{{channel}} budget left"],
            ],
          }),
          timeSeries({
            title: "Deliveries and failures",
            description:
              "Notifications delivered, and failed attempts by kind (throttled, transient, config, rejected); failures are retried.",
            unit: "ops",
            queries: [
              ["sum by (channel) (rate(opsdeck_notifier_deliveries_total[$__rate_interval]))", "{{channel}} delivered"],
              [
                "sum by (channel, kind) (rate(opsdeck_notifier_delivery_failures_total[$__rate_interval]))",
                "{{channel}} {{kind}}",
              ],
            ],
          }),
          timeSeries({
            title: "Delivery latency p90",
            description: "From the notifier receiving a notification to the channel accepting it.",
            unit: "s",
            queries: [
              [
                "histogram_quantile(0.9, sum by (le, channel) (rate(opsdeck_notifier_delivery_latency_seconds_bucket[$__rate_interval])))",
                "{{channel}}",
              ],
            ],
          }),
          stateTimeline({
            title: "Channels",
            description: "Each channel: up, or failing on its configuration (NotifierChannelFailing).",
            unit: "none",
            queries: [["opsdeck_notifier_channel_up", "{{channel}}"]],
            mappings: UP_DOWN,
          }),
          timeSeries({
            title: "Notifications with no channel",
            description:
              "Notifications for a receiver no channel serves (NotifierNoChannel): they reach nobody until a channel is added.",
            unit: "ops",
            queries: [
              ["sum by (receiver) (rate(opsdeck_notifier_undeliverable_total[$__rate_interval]))", "{{receiver}}"],
            ],
          }),
        ],
      ],
      [
        "Exporters",
        [
          timeSeries({
            title: "Memory of OpsDeck's services",
            description: "Resident memory of the exporters and the notifier.",
            unit: "bytes",
            queries: [[`process_resident_memory_bytes{${OPSDECK_SERVICES}}`, "{{job}}"]],
            span: 8,
          }),
          timeSeries({
            title: "Event loop lag p99",
            description: "How late the services' event loops run timers; high values delay scrapes and deliveries.",
            unit: "s",
            queries: [[`nodejs_eventloop_lag_p99_seconds{${OPSDECK_SERVICES}}`, "{{job}}"]],
            span: 8,
          }),
          timeSeries({
            title: "PM2 exporter refresh",
            description: "How long reading PM2's process list took, and failed reads.",
            unit: "s",
            queries: [
              ["pm2_exporter_refresh_duration_seconds", "{{host}} duration"],
              ["increase(pm2_exporter_refresh_errors_total[$__rate_interval])", "{{host}} errors"],
            ],
            span: 8,
          }),
          timeSeries({
            title: "Events accepted",
            description: "Deploy events by source and business events by outcome, per second.",
            unit: "ops",
            queries: [
              ["sum by (source) (rate(opsdeck_deploy_events_total[$__rate_interval]))", "deploy {{source}}"],
              ["sum by (outcome) (rate(opsdeck_business_events_total[$__rate_interval]))", "business {{outcome}}"],
            ],
          }),
          timeSeries({
            title: "Requests rejected",
            description: "Write requests the exporters answered with an error, by HTTP status.",
            unit: "ops",
            queries: [
              ["sum by (code) (rate(opsdeck_deploy_requests_rejected_total[$__rate_interval]))", "deploy {{code}}"],
              ["sum by (code) (rate(opsdeck_business_requests_rejected_total[$__rate_interval]))", "business {{code}}"],
            ],
          }),
        ],
      ],
      [
        "Logs pipeline",
        [
          timeSeries({
            title: "Filebeat output",
            description:
              "Events Filebeat's output handled per second: acked (stored), failed (retried), dropped (lost).",
            unit: "ops",
            queries: [["sum by (outcome) (rate(filebeat_output_events_total[$__rate_interval]))", "{{outcome}}"]],
            span: 8,
          }),
          timeSeries({
            title: "Filebeat backlog",
            description: "Events read from files and not yet acknowledged by Elasticsearch, and files being read.",
            unit: "short",
            queries: [
              ["filebeat_pipeline_events_active", "{{host}} events in flight"],
              ["filebeat_harvesters_running", "{{host}} files read"],
            ],
            span: 8,
          }),
          timeSeries({
            title: "Elasticsearch JVM heap",
            description: "Heap used per node; sustained use near the maximum slows searches and indexing.",
            unit: "bytes",
            queries: [
              ['elasticsearch_jvm_memory_used_bytes{area="heap"}', "{{name}} used"],
              ['elasticsearch_jvm_memory_max_bytes{area="heap"}', "{{name}} max"],
            ],
            span: 8,
          }),
          tablePanel({
            title: "Elasticsearch cluster",
            description: "Nodes, shards and pending tasks now.",
            unit: "short",
            queries: [
              { expr: "elasticsearch_cluster_health_number_of_nodes", legend: "nodes" },
              { expr: "elasticsearch_cluster_health_active_shards", legend: "active shards" },
              { expr: "elasticsearch_cluster_health_unassigned_shards", legend: "unassigned shards" },
              { expr: "elasticsearch_cluster_health_number_of_pending_tasks", legend: "pending tasks" },
            ],
            hide: ["job", "instance"],
            span: 24,
            height: 5,
          }),
        ],
      ],
    ],
  });
