// The shapes of everything that crosses a process boundary, imported by producer and consumer.
export * from "./time.ts";
export * from "./deploys.ts";
export * from "./notifications.ts";
export * from "./stream.ts";
export * from "./portal-links.ts";
export * from "./annotations.ts";
export * from "./changes.ts";
export * from "./timeline.ts";
