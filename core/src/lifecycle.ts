// How every OpsDeck service process starts and stops: a bad config exits 78 (EX_CONFIG) with
// the message alone; SIGTERM / SIGINT close it cleanly once.
import { ConfigError } from "./config/load.ts";
import type { Logger } from "./log.ts";

export function runMain(main: () => Promise<void>): void {
  main().catch((err) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exit(1);
  });
}

export function stopOnSignals(log: Logger, close: () => Promise<void>): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { "event.reason": signal });
    await close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

/**
 * A server that serves many clients must not die for one request's bug: an error nobody
 * handled is logged with its stack and the process keeps serving. (A service whose state could
 * be left half-written does not use this: its journal stops it instead.)
 */
export function logUnhandledErrors(log: Logger): void {
  process.on("unhandledRejection", (reason) => log.error("unhandled rejection; still serving", { error: reason }));
  process.on("uncaughtException", (err) => log.error("uncaught exception; still serving", { error: err }));
}
