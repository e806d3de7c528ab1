// Documents shaped as filebeat.yml's inputs emit them (after their parsers and processors), for
// tests and benchmarks that index "Filebeat's" output without running Filebeat: the same
// fields, names and types, per input. filebeat.test.ts runs the PM2 script that makes them.
export type Input = "pm2" | "pm2-time" | "pm2-json" | "nginx-access" | "nginx-error" | "opsdeck";

const agent = { type: "filebeat", version: "8.19.0", name: "web-1" };
const ecs = { version: "8.0.0" };
const host = (name: string) => ({ name, hostname: name, architecture: "x86_64", os: { family: "debian" } });

/** One event from `input` at time `at`, line `n` of its file. */
export function filebeatDoc(
  input: Input,
  at: Date,
  n: number,
  o: { host?: string; service?: string; message?: string; level?: string; stderr?: boolean } = {},
): Record<string, unknown> {
  const base = {
    "@timestamp": at.toISOString(),
    agent,
    ecs,
    input: { type: "filestream" },
    host: host(o.host ?? "web-1"),
  };
  const service = o.service ?? "shop";
  switch (input) {
    case "pm2":
    case "pm2-time":
    case "pm2-json": {
      const stream = o.stderr ? "error" : "out";
      return {
        ...base,
        message: o.message ?? `order ${n} paid`,
        log: {
          level: o.level ?? (o.stderr ? "error" : "info"),
          offset: n * 64,
          file: { path: `/root/.pm2/logs/${service}-${stream}-0.log` },
        },
        service: { name: service, instance: { id: "0" } },
        event: { dataset: "pm2.log" },
        opsdeck: { source: "pm2", stream: o.stderr ? "stderr" : "stdout" },
      };
    }
    case "nginx-access": {
      const status = o.level === "error" ? 502 : o.level === "warn" ? 404 : 200;
      return {
        ...base,
        message: o.message ?? `GET /api/orders/${n} ${status}`,
        log: { level: o.level ?? "info", offset: n * 180, file: { path: "/var/log/nginx/access.json.log" } },
        service: { name: "nginx" },
        event: { dataset: "nginx.access" },
        source: { ip: `203.0.113.${n % 250}` },
        http: { request: { method: "GET" }, response: { status_code: status, body: { bytes: 512 + n } } },
        url: { original: `/api/orders/${n}` },
        user_agent: { original: "Mozilla/5.0" },
        nginx: { protocol: "HTTP/1.1", request_time: 0.012, host: "shop.example.com" },
        opsdeck: { source: "nginx" },
      };
    }
    case "nginx-error":
      return {
        ...base,
        message: o.message ?? `*${n} connect() failed (111: Connection refused) while connecting to upstream`,
        log: { level: o.level ?? "error", offset: n * 150, file: { path: "/var/log/nginx/error.log" } },
        process: { pid: 1234 },
        service: { name: "nginx" },
        event: { dataset: "nginx.error" },
        opsdeck: { source: "nginx" },
      };
    case "opsdeck":
      return {
        ...base,
        message: o.message ?? `deploy shop/production succeeded`,
        log: { level: o.level ?? "info", offset: n * 300, file: { path: "/var/log/opsdeck/deploy-exporter.log" } },
        service: { name: "deploy-exporter" },
        event: { dataset: "opsdeck.deploy", action: "deploy-finished", outcome: "success" },
        opsdeck: { source: "opsdeck" },
      };
  }
}
