// The portal's part of opsdeck.yml, read once per server process. Server-only: secrets stay here.
import { loadConfig, type Config } from "@opsdeck/core";

let cached: Config | undefined;

export function config(): Config {
  cached ??= loadConfig().config;
  return cached;
}
