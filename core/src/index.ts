export * from "./config.ts";
export * from "./config-exporters.ts";
export * from "./log.ts";
export * from "./journal.ts";
export * from "./http.ts";
export * from "./sse.ts";
export * from "./procs.ts";
export * from "./prometheus.ts";
