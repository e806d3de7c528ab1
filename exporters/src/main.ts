// Entry point: `node dist/exporter.mjs <pm2|deploy|business> [--config PATH]`.
import { dirname } from "node:path";
import { ConfigError, createLogger, loadConfig, runMain, stopOnSignals } from "@opsdeck/core";
import { startBusinessExporter } from "./business/server.ts";
import { startDeployExporter } from "./deploy/server.ts";
import { startPm2Exporter } from "./pm2/server.ts";

const KINDS = ["pm2", "deploy", "business"] as const;
type Kind = (typeof KINDS)[number];

runMain(async () => {
  const kind = process.argv[2] as Kind;
  if (!KINDS.includes(kind)) {
    process.stderr.write(`usage: opsdeck-exporter <${KINDS.join("|")}> [--config PATH]\n`);
    process.exit(2);
  }
  const { config, file } = loadConfig({ argv: process.argv.slice(3), reader: `${kind}-exporter` });
  if (kind !== "pm2" && !config.exporters[kind].token)
    throw new ConfigError(file, [
      `exporters.${kind}.token: is required to accept events (e.g. token: \${OPSDECK_${kind.toUpperCase()}_TOKEN})`,
    ]);
  const log = createLogger({ service: `${kind}-exporter`, level: config.log.level });
  if (!config.exporters[kind].enabled) {
    log.warn(`exporters.${kind}.enabled is false; nothing to do`);
    return;
  }
  const baseDir = file === "(defaults)" ? process.cwd() : dirname(file);
  const exporter =
    kind === "pm2"
      ? await startPm2Exporter(config.exporters.pm2, log, baseDir)
      : kind === "deploy"
        ? await startDeployExporter(config.exporters.deploy, log, baseDir)
        : await startBusinessExporter(config.exporters.business, log, baseDir);
  stopOnSignals(log, () => exporter.close());
});
