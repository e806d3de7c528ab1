// Entry point: `node --import tsx exporters/src/main.ts <pm2|deploy|business> [--config PATH]`.
import { dirname } from "node:path";
import { ConfigError, createLogger, loadConfig, type Config } from "@opsdeck/core";
import { startBusinessExporter } from "./business/server.ts";
import { startDeployExporter } from "./deploy/server.ts";
import { startPm2Exporter } from "./pm2/server.ts";

const KINDS = ["pm2", "deploy", "business"] as const;
type Kind = (typeof KINDS)[number];

function requireToken(config: Config, kind: "deploy" | "business", file: string) {
  if (!config.exporters[kind].token)
    throw new ConfigError(file, [
      `exporters.${kind}.token: is required to accept events (e.g. token: \${OPSDECK_${kind.toUpperCase()}_TOKEN})`,
    ]);
}

async function main() {
  const kind = process.argv[2] as Kind;
  if (!KINDS.includes(kind)) {
    process.stderr.write(`usage: opsdeck-exporter <${KINDS.join("|")}> [--config PATH]\n`);
    process.exit(2);
  }
  let loaded;
  try {
    loaded = loadConfig({ argv: process.argv.slice(3) });
    if (kind !== "pm2") requireToken(loaded.config, kind, loaded.file);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const { config, file } = loaded;
  const log = createLogger({ service: `${kind}-exporter`, level: config.log.level });
  const baseDir = file === "(defaults)" ? process.cwd() : dirname(file);
  const section = config.exporters[kind];
  if (!section.enabled) {
    log.warn(`exporters.${kind}.enabled is false; nothing to do`);
    return;
  }
  const exporter =
    kind === "pm2"
      ? await startPm2Exporter(config.exporters.pm2, log)
      : kind === "deploy"
        ? await startDeployExporter(config.exporters.deploy, log, baseDir)
        : await startBusinessExporter(config.exporters.business, log, baseDir);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { "event.reason": signal });
    await exporter.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
