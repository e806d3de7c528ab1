import { describe, expect, it } from "vitest";
import { appMetricName, createRestartTracker, renderSnapshot } from "./snapshot.ts";

describe("pm2 snapshot", () => {
  it("names @pm2/io metrics in base units", () => {
    expect(appMetricName("Heap Size", "MiB")).toEqual({ name: "pm2_process_metric_heap_size_bytes", factor: 1048576 });
    expect(appMetricName("Event Loop Latency p95", "ms")).toEqual({
      name: "pm2_process_metric_event_loop_latency_p95_seconds",
      factor: 0.001,
    });
    expect(appMetricName("Heap Usage", "%")).toEqual({ name: "pm2_process_metric_heap_usage_ratio", factor: 0.01 });
    expect(appMetricName("HTTP", "req/min")).toEqual({
      name: "pm2_process_metric_http_requests_per_minute",
      factor: 1,
    });
    expect(appMetricName("Active handles", undefined)).toEqual({
      name: "pm2_process_metric_active_handles",
      factor: 1,
    });
    expect(appMetricName("5xx rate!", "")).toEqual({ name: "pm2_process_metric__5xx_rate", factor: 1 });
  });

  it("keeps restart counts monotonic when the daemon's own count starts over", () => {
    const t = createRestartTracker();
    expect([3, 5, 0, 1, 1, 0, 2].map((r) => t("app", r))).toEqual([3, 5, 5, 6, 6, 6, 8]);
  });

  it("renders processes without pids, with app_instance, statuses and roll-ups", async () => {
    const text = await renderSnapshot({
      up: true,
      processes: [
        {
          name: "api",
          pm_id: 0,
          monit: { cpu: 50, memory: 100 },
          pm2_env: {
            status: "online",
            restart_time: 2,
            NODE_APP_INSTANCE: 0,
            pm_uptime: 1000,
            axm_monitor: { "Heap Size": { value: "1.5", unit: "MiB" } },
          },
        },
        {
          name: "api",
          pm_id: 1,
          monit: { cpu: 25, memory: 50 },
          pm2_env: { status: "errored", restart_time: 1, NODE_APP_INSTANCE: 0 },
        },
      ],
      refreshErrors: 0,
      lastRefresh: 2000,
      refreshSeconds: 0.01,
      appMetrics: true,
      restarts: createRestartTracker(),
      unstable: createRestartTracker(),
      now: 11_000,
    });
    expect(text).toContain('pm2_process_up{app="api",app_instance="0"} 1');
    expect(text).toContain('pm2_process_up{app="api",app_instance="pm1"} 0'); // tie on NODE_APP_INSTANCE
    expect(text).toContain('pm2_process_status{app="api",app_instance="pm1",status="errored"} 1');
    expect(text).toContain('pm2_process_uptime_seconds{app="api",app_instance="0"} 10');
    expect(text).toContain('pm2_process_metric_heap_size_bytes{app="api",app_instance="0"} 1572864');
    expect(text).toContain('pm2_app_cpu_ratio{app="api"} 0.75');
    expect(text).toContain('pm2_app_restarts_total{app="api"} 3');
    expect(text).toContain('pm2_app_processes{app="api",status="errored"} 1');
    expect(text).not.toMatch(/pid=/);
  });
});
