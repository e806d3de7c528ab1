// The PM2 exporter: serves a cached snapshot of the PM2 process list, refreshed on PM2 bus
// events and on a slow poll, at most one refresh in flight. A scrape never waits on PM2.
import { hostname } from "node:os";
import type { RequestHandler } from "express";
import { resolve } from "node:path";
import { createService, type Logger, type Pm2ExporterConfig, type RunningService } from "@opsdeck/core";
import { requestVerifier, SIGNATURE_HEADER } from "@opsdeck/core/actions/signed-request";
import { loadWebConfig, requireBasicAuth } from "@opsdeck/core/hosts/web-config";
import { actionSchema } from "@opsdeck/core/actions/action";
import { runAction } from "./actions/run.ts";
import { startPulling, type SignedAnswer } from "./actions/pull.ts";
import { CONTENT_TYPE, family, inc, render } from "../lib/series.ts";
import { linkDaemon, type Pm2Process } from "./daemon.ts";
import { readFilebeatStats, renderFilebeat } from "./filebeat.ts";
import { readListeningPorts } from "./listening.ts";
import { createRestartTracker, renderSnapshot } from "./snapshot.ts";

const ACTIONS_PATH = "/api/v1/actions";

export interface Pm2Exporter extends RunningService {
  /** Resolves after the next refresh has completed (tests use it to wait for fresh data). */
  refreshed(): Promise<void>;
}

export async function startPm2Exporter(cfg: Pm2ExporterConfig, log: Logger, baseDir = "."): Promise<Pm2Exporter> {
  // Read before anything starts: a broken file stops the exporter rather than serve without auth.
  const webConfig = cfg.web_config_file && resolve(baseDir, cfg.web_config_file);
  const web = webConfig ? loadWebConfig(webConfig) : {};
  // A refused scraper retries every scrape interval: said once per reason and every 5 minutes.
  let refusal = { why: "", at: 0 };
  const refused = (why: string) => {
    if (why === refusal.why && Date.now() - refusal.at < 300_000) return;
    refusal = { why, at: Date.now() };
    log.warn(`request refused: ${why}`);
  };
  const restarts = createRestartTracker();
  const unstable = createRestartTracker();
  let processes: Pm2Process[] = [];
  let refreshErrors = 0;
  let lastRefresh = 0;
  let refreshSeconds = 0;
  let text = "";
  let inFlight: Promise<void> | undefined;
  let again = false;
  let waiters: (() => void)[] = [];
  let filebeatText = "";
  // Recovery actions run here, by kind, outcome (refused: the action did not fit the app;
  // dry-run: only planned) and trigger (manual from an alert, or automatic by a rule).
  const actionRuns = family({
    name: "pm2_exporter_actions_total",
    help: "Recovery actions asked of this host's PM2, by kind, outcome (succeeded, failed, refused, dry-run) and trigger (manual, automatic).",
    type: "counter",
    labelNames: ["kind", "outcome", "trigger"],
  });
  let filebeatError = "";

  async function refreshOnce() {
    const t0 = performance.now();
    if (daemon.up) {
      try {
        processes = await daemon.list();
        lastRefresh = Date.now();
      } catch (err) {
        refreshErrors++;
        log.warn("reading the PM2 process list failed", { error: err });
      }
    }
    if (!daemon.up) processes = []; // no daemon: no processes to claim are up
    if (cfg.filebeat_url) {
      const stats = await readFilebeatStats(cfg.filebeat_url, cfg.call_timeout_seconds * 1000);
      // Logged once per change of reason, not on every refresh while Filebeat stays down.
      const reason = stats instanceof Error ? stats.message : "";
      if (reason && reason !== filebeatError) log.warn("reading Filebeat's stats failed", { error: reason });
      filebeatError = reason;
      filebeatText = renderFilebeat(stats instanceof Error ? undefined : stats);
    }
    // Only when an app says its PORT: then whether anything listens on it.
    const listening = processes.some((p) => p.pm2_env?.PORT) ? await readListeningPorts() : undefined;
    refreshSeconds = (performance.now() - t0) / 1000;
    text =
      renderSnapshot({
        up: daemon.up,
        processes,
        refreshErrors,
        lastRefresh,
        refreshSeconds,
        appMetrics: cfg.app_metrics,
        restarts,
        unstable,
        now: Date.now(),
        listening,
      }) + filebeatText;
  }

  /** Coalesces triggers: one refresh runs; triggers during it cause exactly one more. */
  function refresh(): Promise<void> {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    inFlight = (async () => {
      do {
        again = false;
        await refreshOnce();
      } while (again);
      inFlight = undefined;
      const w = waiters;
      waiters = [];
      w.forEach((f) => f());
    })();
    return inFlight;
  }

  const daemon = linkDaemon({
    pm2Home: cfg.pm2_home,
    timeoutMs: cfg.call_timeout_seconds * 1000,
    log,
    onChange: () => void refresh(),
  });
  await refresh();
  const poll = setInterval(() => void refresh(), cfg.poll_interval_seconds * 1000);

  // The signed action request is its own authentication (this host's key, replay-protected,
  // expiring): the portal that signs it does not hold Prometheus' password, and needs none.
  const exceptSignedActions =
    (basicAuth: RequestHandler): RequestHandler =>
    (req, res, next) =>
      cfg.actions.key && req.method === "POST" && req.path === ACTIONS_PATH ? next() : basicAuth(req, res, next);
  const service = createService({
    name: "pm2 exporter",
    log,
    guard: webConfig && web.users ? exceptSignedActions(requireBasicAuth(webConfig, refused)) : undefined,
    tls: web.tls,
    maxBodyBytes: 1024,
    // One scrape is one consistent snapshot: the text is taken before the process metrics are awaited.
    exposition: { contentType: CONTENT_TYPE, render: () => text + render([actionRuns]) },
    health: () => ({ pm2_daemon_up: daemon.up }),
  });
  const { app } = service;
  app.get("/api/v1/processes", (_req, res) => {
    res.json({
      daemon_up: daemon.up,
      refreshed_at: lastRefresh ? new Date(lastRefresh).toISOString() : null,
      processes: processes.map((p) => ({
        app: p.name,
        pm_id: p.pm_id,
        status: p.pm2_env?.status,
        cpu_ratio: (p.monit?.cpu ?? 0) / 100,
        memory_bytes: p.monit?.memory ?? 0,
        restarts: p.pm2_env?.restart_time ?? 0,
        started_at: p.pm2_env?.pm_uptime ? new Date(p.pm2_env.pm_uptime).toISOString() : null,
        exec_mode: p.pm2_env?.exec_mode,
        version: p.pm2_env?.version,
      })),
    });
  });
  // Recovery actions, only on a request the central OpsDeck signed for this host (signed-request.ts).
  const actions = cfg.actions;
  /** One action at a time: two restarts of one app at once would undo each other. */
  let actionQueue: Promise<unknown> = Promise.resolve();
  const verify = actions.key && requestVerifier({ key: actions.key, host: actions.host ?? hostname() });
  /** A signed request, from the portal's POST or fetched from it (pull.ts): the answer's status and body. */
  async function answerSigned(body: string, signature: string | undefined): Promise<SignedAnswer> {
    if (!verify) return { status: 404, body: { error: "recovery actions are off on this host" } };
    const verified = verify(body, signature);
    if (!verified.ok) {
      refused(`action request: ${verified.reason}`);
      return { status: verified.status, body: { error: verified.reason } };
    }
    const action = actionSchema.safeParse(verified.envelope.action);
    if (!action.success) return { status: 400, body: { error: `action: ${action.error.issues[0].message}` } };
    if (!daemon.up) return { status: 503, body: { error: "the PM2 daemon is not reachable" } };
    const { id, host, dry_run, trigger = "manual" } = verified.envelope;
    const next = actionQueue.then(() =>
      runAction(
        { id, host, action: action.data, ...(dry_run && { dry_run }) },
        {
          pm2Home: cfg.pm2_home,
          list: () => daemon.list(),
          timeoutMs: actions.timeout_seconds * 1000,
          log,
          runbooks: actions.runbooks,
        },
      ),
    );
    actionQueue = next.catch(() => undefined);
    const result = await next;
    inc(actionRuns, [action.data.kind, "refused" in result ? "refused" : result.status, trigger]);
    void refresh();
    if ("refused" in result) return { status: 409, body: { error: result.refused } };
    return { status: 200, body: result };
  }
  if (verify)
    app.post(ACTIONS_PATH, async (req, res) => {
      const answer = await answerSigned(req.rawBody?.toString("utf8") ?? "", req.get(SIGNATURE_HEADER));
      res.status(answer.status).json(answer.body);
    });
  // A host the central server cannot reach fetches its requests instead (pull.ts).
  const puller =
    verify && actions.pull
      ? startPulling({ ...actions.pull, host: actions.host ?? hostname(), baseDir, log, answer: answerSigned })
      : undefined;
  service.onClose(async () => {
    await puller?.stop();
    await actionQueue;
    clearInterval(poll);
    daemon.close();
    await inFlight;
  });
  const running = await service.listen(cfg.host, cfg.port);
  return {
    ...running,
    refreshed: () =>
      new Promise<void>((r) => {
        waiters.push(r);
        void refresh();
      }),
  };
}
