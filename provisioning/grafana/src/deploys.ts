// Deploys & DORA: how often each project ships, how often a deploy fails, how long deploys take,
// the lead time from commit to production and the time to restore after a failure.
import { dashboardFor } from "@opsdeck/contracts/dashboards";
import { labelVariable, opsdeckDashboard, prometheusVariable, statPanel, tablePanel, timeSeries } from "./panels.ts";

const sel = 'project=~"$project", environment=~"$environment"';
const finished = (result?: string) => `opsdeck_deployments_total{${sel}${result ? `, result=${result}` : ""}}`;
const quantile = (q: number, metric: string, window: string, by = "") =>
  `histogram_quantile(${q}, sum by (le${by}) (increase(${metric}_bucket{${sel}}[${window}])))`;

export const deploys = () =>
  opsdeckDashboard(dashboardFor("/deploys")!, {
    description:
      "Deploys per project and environment, with the four DORA measures: frequency, change failure rate, lead time and time to restore.",
    time: "now-7d",
    variables: [
      prometheusVariable(),
      labelVariable("project", "Project", "label_values(opsdeck_deployments_total, project)"),
      labelVariable(
        "environment",
        "Environment",
        'label_values(opsdeck_deployments_total{project=~"$project"}, environment)',
      ),
    ],
    sections: [
      [
        "In the time range",
        [
          statPanel({
            title: "Deploys",
            description: "Deploys that finished in the time range, whatever their result.",
            unit: "short",
            queries: [[`sum(increase(${finished()}[$__range]))`, "deploys"]],
            span: 4,
          }),
          statPanel({
            title: "Success rate",
            description: "Finished deploys that succeeded. Empty when none finished in the range.",
            unit: "percentunit",
            queries: [
              [
                `sum(increase(${finished('"succeeded"')}[$__range])) / (sum(increase(${finished()}[$__range])) > 0)`,
                "success",
              ],
            ],
            steps: [
              [null, "red"],
              [0.8, "orange"],
              [0.95, "green"],
            ],
            span: 4,
          }),
          statPanel({
            title: "Deploy duration p50 / p90",
            description: "How long finished deploys took, start to finish.",
            unit: "s",
            queries: [
              [quantile(0.5, "opsdeck_deployment_duration_seconds", "$__range"), "p50"],
              [quantile(0.9, "opsdeck_deployment_duration_seconds", "$__range"), "p90"],
            ],
            span: 4,
          }),
          statPanel({
            title: "In progress",
            description: "Deploys started and not finished now (DeployStuck fires after their timeout).",
            unit: "short",
            queries: [[`sum(opsdeck_deployments_in_progress{${sel}})`, "in progress"]],
            span: 4,
          }),
          statPanel({
            title: "Lead time p50",
            description: "From the commit to its successful deploy (when the deploy gives commit_at).",
            unit: "s",
            queries: [[quantile(0.5, "opsdeck_deployment_lead_time_seconds", "$__range"), "lead time"]],
            span: 4,
          }),
          statPanel({
            title: "Time to restore p50",
            description: "From a failed deploy to the next successful one.",
            unit: "s",
            queries: [[quantile(0.5, "opsdeck_deployment_time_to_restore_seconds", "$__range"), "restore"]],
            span: 4,
          }),
        ],
      ],
      [
        "DORA over 7 days",
        [
          tablePanel({
            title: "DORA by project",
            description:
              "Per project and environment over the last 7 days (recording rules in provisioning/prometheus/rules/deploys.yml): deploys a day, change failure rate, lead time and time to restore (means), deploy duration p90.",
            unit: "none",
            queries: [
              { expr: `project_environment:opsdeck_deployments:increase1d{${sel}}`, legend: "deploys / day" },
              { expr: `project_environment:opsdeck_change_failure:ratio7d{${sel}}`, legend: "change failure rate" },
              {
                expr: `project_environment:opsdeck_deployment_lead_time_seconds:avg7d{${sel}}`,
                legend: "lead time",
              },
              {
                expr: `project_environment:opsdeck_time_to_restore_seconds:avg7d{${sel}}`,
                legend: "time to restore",
              },
              {
                expr: `project_environment:opsdeck_deployment_duration_seconds:p90_7d{${sel}}`,
                legend: "duration p90",
              },
            ],
            hide: ["job", "instance", "host"],
            span: 24,
          }),
          timeSeries({
            title: "Deploys per day",
            description: "Finished deploys in each day, by result.",
            unit: "short",
            bars: true,
            stack: true,
            queries: [[`sum by (result) (increase(${finished()}[1d]))`, "{{result}}"]],
          }),
          timeSeries({
            title: "Change failure rate (7 days)",
            description:
              "Failed or timed-out deploys as a share of finished ones, over 7 days (DeployChangeFailureRateHigh).",
            unit: "percentunit",
            min: 0,
            max: 1,
            queries: [[`project_environment:opsdeck_change_failure:ratio7d{${sel}}`, "{{project}} {{environment}}"]],
          }),
          timeSeries({
            title: "Deploy duration",
            description: "p50 and p90 of deploy durations over the previous day.",
            unit: "s",
            queries: [
              [quantile(0.5, "opsdeck_deployment_duration_seconds", "1d", ", project"), "{{project}} p50"],
              [quantile(0.9, "opsdeck_deployment_duration_seconds", "1d", ", project"), "{{project}} p90"],
            ],
          }),
          timeSeries({
            title: "Lead time and time to restore (7-day means)",
            description: "Commit to production, and failure to recovery, averaged over 7 days.",
            unit: "s",
            queries: [
              [
                `project_environment:opsdeck_deployment_lead_time_seconds:avg7d{${sel}}`,
                "{{project}} {{environment}} lead time",
              ],
              [
                `project_environment:opsdeck_time_to_restore_seconds:avg7d{${sel}}`,
                "{{project}} {{environment}} time to restore",
              ],
            ],
          }),
        ],
      ],
      [
        "Now",
        [
          tablePanel({
            title: "Since the last deploy",
            description:
              "Per project and environment: time since the last success and the last failure, and whether it is failing now (1 from a failed deploy until the next success).",
            unit: "s",
            queries: [
              { expr: `time() - opsdeck_deployment_last_success_timestamp_seconds{${sel}}`, legend: "since success" },
              { expr: `time() - opsdeck_deployment_last_failure_timestamp_seconds{${sel}}`, legend: "since failure" },
              { expr: `opsdeck_deployment_failing{${sel}}`, legend: "failing" },
            ],
            hide: ["job", "instance", "host"],
            span: 24,
          }),
        ],
      ],
    ],
  });
