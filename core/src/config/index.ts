// opsdeck.yml: the loader and every service's section of the schema.
export * from "./load.ts";
export * from "./readers.ts";
export * from "./zod.ts";
export * from "./demo-shop.ts";
export * from "./exporters.ts";
export * from "./notifier.ts";
export * from "./portal.ts";
export * from "./elasticsearch.ts";
export * from "./stack.ts";
export * from "./hosts.ts";
export * from "./probes.ts";
export * from "./databases.ts";
