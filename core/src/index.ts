// What every OpsDeck service needs at run time. Starting and stopping the stack's processes
// (used by `npm start`, the tests and the benchmarks) lives in "@opsdeck/core/stack".
export * from "./config.ts";
export * from "./config-exporters.ts";
export * from "./config-stack.ts";
export * from "./config-notifier.ts";
export * from "./config-portal.ts";
export * from "./config-elasticsearch.ts";
export * from "./log.ts";
export * from "./journal.ts";
export * from "./http.ts";
export * from "./sse.ts";
export * from "./bounded-set.ts";
export * from "./durable.ts";
export * from "./lifecycle.ts";
export * from "./self-metrics.ts";
export * from "./password.ts";
