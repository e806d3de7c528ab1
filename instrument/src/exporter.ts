// The OTLP exporter, saying when its exports fail: OpenTelemetry's own reports nothing unless a
// diagnostic logger is set, so a wrong endpoint or a refused token would go unseen. The first
// failure, and then one every 5 minutes while they last, go to the app's stderr.
import type { ExportResult } from "@opentelemetry/core";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";

const QUIET_MS = 5 * 60_000;

export class ReportingExporter extends OTLPMetricExporter {
  private lastSaid = 0;

  constructor(
    private readonly endpoint: string,
    headers: Record<string, string>,
  ) {
    super({ url: endpoint, headers });
  }

  override export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    super.export(metrics, (result) => {
      if (result.error && Date.now() - this.lastSaid > QUIET_MS) {
        this.lastSaid = Date.now();
        // The exporter's error carries the answer's body (the front door says why it refused).
        const { message, data } = result.error as Error & { data?: unknown };
        const body = typeof data === "string" ? ` ${data.replace(/\s+/g, " ").trim().slice(0, 300)}` : "";
        process.stderr.write(`opsdeck instrument: metrics export to ${this.endpoint} failed: ${message}${body}\n`);
      }
      resultCallback(result);
    });
  }
}
