// Running the native stack: processes, Prometheus and node-exporter, OpsDeck's services, PM2.
export * from "./procs.ts";
export * from "./prometheus.ts";
export * from "./services.ts";
export * from "./alertmanager.ts";
export * from "./elasticsearch.ts";
export * from "./elasticsearch-front.ts";
export * from "./filebeat.ts";
export * from "./nginx.ts";
export * from "./grafana.ts";
export * from "./versions.ts";
export * from "./agent.ts";
export * from "./hosts.ts";
export * from "./blackbox.ts";
export * from "./databases.ts";
export * from "./queue-redis.ts";
