// The write path every OpsDeck service with a journal shares: the caller has applied the records
// to its state; they must reach the disk before anyone is told. If they cannot, the state ran
// ahead of the disk, so the process stops rather than serve what it might lose.
import type { Journal } from "./journal.ts";
import type { Logger } from "./log.ts";

export function durableWriter<R>(journal: Journal<R>, log: Logger): (records: R[]) => Promise<void> {
  return async (records) => {
    try {
      await journal.append(records);
    } catch (err) {
      log.error("cannot write the journal; stopping so nothing unsaved is served", { error: err });
      process.exit(1);
    }
  };
}
