// Server-Sent Events: framing, a fan-out hub with replay, and a parser for reading streams.
export * from "./frame.ts";
export * from "./hub.ts";
export * from "./parser.ts";
