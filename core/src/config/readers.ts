// Which parts of opsdeck.yml each OpsDeck process reads. A process validates only those and
// resolves only their ${VAR}s, so it can be given only its own secrets: the notifier never sees
// the portal's session secret, the exporters never see the admin password's hash.
export const READERS = {
  "pm2-exporter": ["log", "exporters.pm2"],
  "deploy-exporter": ["log", "exporters.deploy"],
  "business-exporter": ["log", "exporters.business"],
  notifier: ["log", "notifier"],
  // Besides its own section, where the others listen (for portalSources) and the logs' store.
  portal: [
    "log",
    "portal",
    "elasticsearch",
    "exporters.deploy.port",
    // Only to pass an operator's "this deploy caused an incident" on (audited, CSRF-checked).
    "exporters.deploy.token",
    "notifier.port",
    // Recovery actions: this host's PM2 exporter, and the key the portal signs its requests with.
    "exporters.pm2.port",
    "exporters.pm2.actions.key",
    "exporters.pm2.actions.host",
    "exporters.pm2.actions.timeout_seconds",
    // Whether to load the page-load script (the business exporter, when it runs, takes its beacons).
    "exporters.business.enabled",
    "exporters.business.rum.apps",
    // Only to ask the notifier for a test message on a channel (operators, from the Alerts page).
    "notifier.token",
    "stack.prometheus.port",
    "stack.alertmanager.port",
    "stack.elasticsearch.port",
    // The Hosts page and the target files it keeps; the agents' password is Prometheus' alone.
    "hosts",
    "agents.hosts_file",
    "agents.targets_dir",
    "agents.sync_seconds",
    // How recovery actions reach an agent's PM2 exporter (the signature is their authentication).
    "agents.scheme",
    "agents.ca_file",
  ],
  "import-logs": ["log", "elasticsearch", "stack.elasticsearch.port"],
  // The compose stack's init job: Elasticsearch, and Prometheus' config with the agents' jobs and
  // the probes (their blackbox modules, targets and thresholds; Alertmanager's inhibit rules), and
  // the databases (their exporters' credentials and targets).
  init: ["log", "elasticsearch", "stack.elasticsearch.port", "hosts", "agents", "probes", "databases"],
} as const;

export type Reader = keyof typeof READERS;

/** The parts of the (parsed, not yet interpolated) file that `paths` name; the rest is left out. */
export function pick(tree: unknown, paths: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    const keys = path.split(".");
    let from: unknown = tree;
    for (const key of keys)
      from = from && typeof from === "object" ? (from as Record<string, unknown>)[key] : undefined;
    if (from === undefined) continue;
    let into = out;
    for (const key of keys.slice(0, -1)) into = (into[key] ??= {}) as Record<string, unknown>;
    into[keys.at(-1)!] = from;
  }
  return out;
}

const ENV_NAME = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}/g;

/** The environment variables the given parts of the file refer to. */
export function referencedVariables(tree: unknown, paths: readonly string[]): string[] {
  return [...new Set([...JSON.stringify(pick(tree, paths)).matchAll(ENV_NAME)].map((m) => m[1]))];
}
