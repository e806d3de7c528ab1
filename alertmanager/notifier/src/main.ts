// Entry point: `node dist/notifier.mjs [--config PATH]`. SIGHUP reloads opsdeck.yml (channels,
// receivers, retry, templates) without losing the queue; a bad new config is refused and logged.
import { dirname } from "node:path";
import { ConfigError, createLogger, loadConfig, runMain, stopOnSignals } from "@opsdeck/core";
import { startNotifier } from "./server.ts";

function load() {
  const loaded = loadConfig({ argv: process.argv.slice(2), reader: "notifier" });
  if (!loaded.config.notifier.token)
    throw new ConfigError(loaded.file, [
      "notifier.token: is required to accept Alertmanager's webhooks (e.g. token: ${OPSDECK_NOTIFIER_TOKEN})",
    ]);
  return loaded;
}

runMain(async () => {
  const { config, file } = load();
  const log = createLogger({ service: "notifier", level: config.log.level });
  const notifier = await startNotifier(config.notifier, log, file === "(defaults)" ? process.cwd() : dirname(file));
  process.on("SIGHUP", () => {
    try {
      notifier.reload(load().config.notifier);
    } catch (err) {
      log.error("reload refused: the new configuration is invalid; keeping the running one", { error: err });
    }
  });
  stopOnSignals(log, () => notifier.close());
});
