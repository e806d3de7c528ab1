// The preload's settings from the app's environment: PM2's (fork and cluster mode), defaults,
// and a wrong value, which leaves the app uninstrumented and says why.
import { describe, expect, it, vi } from "vitest";
import { DEFAULT_ENDPOINT, instrumentSettings } from "./settings.ts";

describe("the preload's settings", () => {
  it("names the service and the worker from PM2's variables, in fork mode", () => {
    expect(instrumentSettings({ name: "shop", NODE_APP_INSTANCE: "1", OPSDECK_HOST_NAME: "app-1" }, "vm")).toEqual({
      endpoint: DEFAULT_ENDPOINT,
      headers: {},
      intervalMs: 15_000,
      logTrace: true,
      resource: { "service.name": "shop", "service.instance.id": "app-1/shop/1", "host.name": "app-1" },
    });
  });

  it("reads them from pm2_env in cluster mode, where PM2 spreads them only after the preload", () => {
    const pm2_env = JSON.stringify({
      name: "shop",
      NODE_APP_INSTANCE: 0,
      OTEL_METRIC_EXPORT_INTERVAL: "5000",
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "http://10.0.0.1:9090/api/v1/otlp/v1/metrics",
      env: { nested: "ignored" },
    });
    expect(instrumentSettings({ pm2_env }, "vm")).toMatchObject({
      endpoint: "http://10.0.0.1:9090/api/v1/otlp/v1/metrics",
      intervalMs: 5000,
      resource: { "service.instance.id": "vm/shop/0", "host.name": "vm" },
    });
  });

  it("sends the host's token as basic auth for the front door, beside OpenTelemetry's own headers", () => {
    const settings = instrumentSettings(
      {
        OPSDECK_HOST_NAME: "app-2",
        OPSDECK_HOST_TOKEN: "t0ken-of-app-2-0123456789",
        OTEL_EXPORTER_OTLP_HEADERS: "X-Tenant=shop%20team, X-Other=1",
        OTEL_EXPORTER_OTLP_METRICS_HEADERS: "X-Other=2",
      },
      "vm",
    );
    expect(settings?.headers).toEqual({
      "X-Tenant": "shop team",
      "X-Other": "2",
      Authorization: `Basic ${Buffer.from("app-2:t0ken-of-app-2-0123456789").toString("base64")}`,
    });
  });

  it("loads nothing when turned off, or when a value is wrong, saying which", () => {
    const said = vi.spyOn(console, "error").mockImplementation(() => undefined);
    expect(instrumentSettings({ OPSDECK_INSTRUMENT: "off" }, "vm")).toBeUndefined();
    expect(said).not.toHaveBeenCalled();
    expect(instrumentSettings({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "ftp://x/" }, "vm")).toBeUndefined();
    expect(said).toHaveBeenCalledWith(
      expect.stringMatching(/^opsdeck instrument: not loaded: OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: /),
    );
    expect(instrumentSettings({ OPSDECK_HOST_TOKEN: "t0ken-of-app-2-0123456789" }, "vm")).toBeUndefined();
    expect(said).toHaveBeenLastCalledWith(expect.stringMatching(/OPSDECK_HOST_TOKEN needs OPSDECK_HOST_NAME/));
    expect(instrumentSettings({ OTEL_EXPORTER_OTLP_HEADERS: "no-equals-sign" }, "vm")).toBeUndefined();
    expect(said).toHaveBeenLastCalledWith(expect.stringMatching(/"no-equals-sign" is not key=value/));
    said.mockRestore();
  });
});
