// The portal's part of opsdeck.yml. Server-only: secrets stay here. Read again when the file
// changes (checked at most once a second), so a user removed or demoted there loses access at
// the next request; a file that no longer validates is refused and the running one kept.
import { statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createLogger, loadConfig, type Config } from "@opsdeck/core";

interface Loaded {
  config: Config;
  file: string;
  modifiedMs: number;
  checkedAt: number;
}

let loaded: Loaded | undefined;

const modified = (file: string) => {
  try {
    return statSync(/*turbopackIgnore: true*/ file).mtimeMs;
  } catch {
    return 0;
  }
};

function load(now: number): Loaded {
  const { config, file } = loadConfig({ reader: "portal" });
  return { config, file, modifiedMs: modified(file), checkedAt: now };
}

export function config(): Config {
  const now = Date.now();
  if (!loaded) return (loaded = load(now)).config;
  if (now - loaded.checkedAt < 1000) return loaded.config;
  loaded.checkedAt = now;
  if (modified(loaded.file) === loaded.modifiedMs) return loaded.config;
  try {
    loaded = load(now);
  } catch (err) {
    loaded.modifiedMs = modified(loaded.file); // say it once per change
    createLogger({ service: "portal", level: "warn" }).error(
      "opsdeck.yml changed but is invalid; keeping the running configuration",
      {
        error: err,
      },
    );
  }
  return loaded.config;
}

/** A path from opsdeck.yml, relative to the file itself. */
export function configRelative(path: string): string {
  config();
  const file = loaded!.file;
  return resolve(file === "(defaults)" ? process.cwd() : dirname(file), path);
}
