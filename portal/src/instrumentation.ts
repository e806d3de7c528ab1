// Runs once when the portal's server starts: the acknowledgement keeper (see lib/acks.ts), and
// the hosts' target files kept in step with opsdeck.yml and the hosts file (features/hosts/), and
// the portal's probes' files with its probes file (features/probes/), and the Rules page's rule
// files with its rules (features/rules/), and the recurring maintenance windows' occurrences
// opened (features/maintenance/), and the rules' automatic recovery actions (features/recovery/).
// With several portals (portal.shared_redis) the acks, the recurring windows and automatic
// recovery run on the one holding the lease (features/cluster/): each would otherwise act too.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const [
    { portalSources, createLogger },
    { config },
    { keepAcks },
    { audit },
    { syncTargets, watchedHosts },
    { syncProbes },
    { syncRuleFiles },
    { scheduleRecurring },
    { startAutomaticRecovery },
    { leads, sharedRedis },
  ] = await Promise.all([
    import("@opsdeck/core"),
    import("./lib/config.ts"),
    import("./features/alerts/acks.ts"),
    import("./lib/audit.ts"),
    import("./features/hosts/host-lists.ts"),
    import("./features/probes/probe-list.ts"),
    import("./features/rules/store.ts"),
    import("./features/maintenance/recurring-store.ts"),
    import("./features/recovery/automatic.ts"),
    import("./features/cluster/shared.ts"),
  ]);
  const c = config();
  const log = createLogger({ service: "portal", dataset: "opsdeck.portal", level: c.log.level });
  const { minutes, check_seconds } = c.portal.acks;
  let failing = false;
  if (c.portal.shared_redis)
    void sharedRedis().catch((err: Error) => log.warn(`shared redis: ${err.message}; retrying in the background`));
  const check = async () => {
    if (!leads()) return;
    try {
      for (const a of await keepAcks(portalSources(c).alertmanager_urls, minutes))
        await audit("opsdeck", a.action === "renew" ? "alert-ack-renewed" : "alert-ack-ended", {
          "opsdeck.silence.id": a.silence.id,
          "opsdeck.silence.created_by": a.silence.createdBy,
        });
      if (failing) log.info("acknowledgement keeper: Alertmanager reachable again");
      failing = false;
    } catch (err) {
      // Said once per outage: Alertmanager being down is already on the Overview.
      if (!failing) log.warn(`acknowledgement keeper: ${(err as Error).message}`);
      failing = true;
    }
  };
  setInterval(() => void check(), check_seconds * 1000).unref();

  // Recurring maintenance windows: each occurrence's window opened a day ahead, checked every
  // minute (said once per outage of Alertmanager).
  let scheduleFailing = false;
  const schedule = async () => {
    if (!leads()) return;
    try {
      const opened = await scheduleRecurring();
      if (opened) log.info(`maintenance: opened ${opened} window(s) of recurring maintenance`);
      scheduleFailing = false;
    } catch (err) {
      if (!scheduleFailing) log.warn(`maintenance: recurring windows not opened: ${(err as Error).message}`);
      scheduleFailing = true;
    }
  };
  void schedule();
  setInterval(() => void schedule(), 60_000).unref();

  startAutomaticRecovery(leads);

  // A hand edit of either host list, or of the portal's probes file, reaches Prometheus within
  // sync_seconds; a broken file leaves the files written from it as they were (said once per
  // different error).
  const syncErrors = { hosts: "", probes: "", rules: "" };
  const attempt = (what: keyof typeof syncErrors, fn: () => void) => {
    try {
      fn();
      syncErrors[what] = "";
    } catch (err) {
      const message = (err as Error).message;
      if (message !== syncErrors[what]) log.error(`${what}: files not rewritten: ${message}`);
      syncErrors[what] = message;
    }
  };
  // The rule files Prometheus loads, from rules.yml (after a restore, or a file removed by hand).
  attempt("rules", () => {
    const groups = syncRuleFiles();
    if (groups.length) log.info(`rules: ${groups.length} group file(s) in step with rules.yml`);
  });
  let shadowedBefore = "";
  const sync = () => {
    attempt("hosts", () => {
      const rewritten = syncTargets();
      if (rewritten.length)
        log.info(`hosts: target files rewritten (${rewritten.join(", ")}), ${watchedHosts().length} host(s) listed`);
    });
    attempt("probes", () => {
      const { rewritten, shadowed } = syncProbes();
      if (rewritten.length) log.info(`probes: the portal's probe files rewritten (${rewritten.join(", ")})`);
      if (shadowed.join() !== shadowedBefore && shadowed.length)
        log.warn(
          `probes: opsdeck.yml now declares ${shadowed.join(", ")}: the portal's probe(s) of that name are not run`,
        );
      shadowedBefore = shadowed.join();
    });
    setTimeout(sync, config().agents.sync_seconds * 1000).unref();
  };
  sync();
}
