// What every OpsDeck service needs at run time. Starting and stopping the stack's processes
// (for `npm start`, the tests and the benchmarks) lives in the @opsdeck/stack package.
export * from "./config/index.ts";
export * from "./log.ts";
export * from "./journal.ts";
export * from "./http.ts";
export * from "./sse/index.ts";
export * from "./recent-ids.ts";
export * from "./durable.ts";
export * from "./lifecycle.ts";
export * from "./self-metrics.ts";
export * from "./service.ts";
export * from "./password.ts";
