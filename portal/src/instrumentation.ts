// Runs once when the portal's server starts: the acknowledgement keeper (see lib/acks.ts), and
// the hosts' target files kept in step with opsdeck.yml and the hosts file (features/hosts/).
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const [{ portalSources, createLogger }, { config }, { keepAcks }, { audit }, { syncTargets, watchedHosts }] =
    await Promise.all([
      import("@opsdeck/core"),
      import("./lib/config.ts"),
      import("./features/alerts/acks.ts"),
      import("./lib/audit.ts"),
      import("./features/hosts/host-lists.ts"),
    ]);
  const c = config();
  const log = createLogger({ service: "portal", dataset: "opsdeck.portal", level: c.log.level });
  const { minutes, check_seconds } = c.portal.acks;
  let failing = false;
  const check = async () => {
    try {
      for (const a of await keepAcks(portalSources(c).alertmanager_url, minutes))
        audit("opsdeck", a.action === "renew" ? "alert-ack-renewed" : "alert-ack-ended", {
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

  // A hand edit of either host list reaches Prometheus within sync_seconds; a broken hosts file
  // leaves the target files as they were (said once per different error).
  let syncError = "";
  const sync = () => {
    try {
      const rewritten = syncTargets();
      if (rewritten.length)
        log.info(`hosts: target files rewritten (${rewritten.join(", ")}), ${watchedHosts().length} host(s) listed`);
      syncError = "";
    } catch (err) {
      const message = (err as Error).message;
      if (message !== syncError) log.error(`hosts: target files not rewritten: ${message}`);
      syncError = message;
    }
    setTimeout(sync, config().agents.sync_seconds * 1000).unref();
  };
  sync();
}
