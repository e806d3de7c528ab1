// /rum.js as the exporter serves it: the bundled browser script (dist/rum.js, built by
// scripts/build.ts from browser.ts) with the configured sample rate written in.
import { existsSync, readFileSync } from "node:fs";
import type { RumConfig } from "@opsdeck/core";

// Beside dist/exporter.mjs when bundled; from exporters/src/rum/ under a TypeScript loader.
const CANDIDATES = [new URL("./rum.js", import.meta.url), new URL("../../../dist/rum.js", import.meta.url)];
let bundle: string | undefined;

export function rumScript(config: RumConfig): string {
  bundle ??= readFileSync(CANDIDATES.find((url) => existsSync(url)) ?? CANDIDATES[0], "utf8");
  return bundle.replace("__OPSDECK_RUM_SAMPLE_RATE__", String(config.sample_rate));
}
