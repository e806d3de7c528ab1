// What blackbox_exporter needs for the probes: one module per probe (its expected status,
// keyword, JSON check, headers, DNS question) in blackbox.yml, which blackbox re-reads by itself
// (--config.enable-auto-reload), and one file_sd target per probe, which Prometheus watches.
// Adding, changing or removing a probe rewrites them: no restart.
//
// Probes come from two sources, each writing its own files in the targets directory's probes/
// folder: opsdeck.yml's (written at start-up by the native stack or compose's init) and the
// portal's (written by the portal when an operator changes one). blackbox reads one file, so
// each writer merges every source's modules into blackbox.yml. opsdeck.yml's header values,
// which may be secrets from the environment, go into files only blackbox reads.
//
// A redirect's certificates: blackbox reports the TLS of the answer it ends on, so an https
// page that redirects (shop.example.com → www.shop.example.com) would never have the first
// host's certificate watched. Such a probe gets a second target, the same URL without following
// redirects (`hop="first"`), whose certificate series alone Prometheus keeps (the probes job's
// metric relabelling): CertificateExpiring then fires for whichever of the two expires first.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import { replaceFile } from "../atomic-file.ts";
import { PLAIN_HEADERS, type Probe } from "../config/probes.ts";
import type { Host } from "../config/hosts.ts";
import type { TargetGroup } from "../hosts/file-sd.ts";

export const moduleName = (probe: Pick<Probe, "name">) => `probe_${probe.name}`;
const firstHopModuleName = (probe: Pick<Probe, "name">) => `probe_${probe.name}_first_hop`;

/** An https page whose redirects blackbox follows: its first hop's certificate is checked apart. */
export const checksFirstHop = (probe: Probe) =>
  probe.type === "http" && probe.target.startsWith("https://") && probe.http?.follow_redirects !== false;

/** The first hop's module: the URL itself, a redirect accepted, only its certificate of interest. */
function firstHopModule(probe: Probe, secretsDir?: string): Record<string, unknown> {
  return {
    prober: "http",
    timeout: `${probe.timeout_seconds}s`,
    http: {
      preferred_ip_protocol: "ip4",
      ip_protocol_fallback: true,
      method: "HEAD",
      valid_status_codes: [200, 204, 301, 302, 303, 307, 308],
      no_follow_redirects: true,
      fail_if_not_ssl: true,
      ...headerConfig(probe, secretsDir),
      ...(probe.ca_file ? { tls_config: { ca_file: probe.ca_file } } : {}),
    },
  };
}

/** A keyword as a Go (RE2) regular expression that matches it literally. */
export const literalRegexp = (text: string) => text.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");

/** A header's value kept in a file blackbox reads on every probe: its path under secretsDir. */
export const secretPath = (secretsDir: string, probe: Pick<Probe, "name">, key: string) =>
  join(secretsDir, probe.name, key);

/**
 * What goes into files rather than the module text: every header but the plain few, and an
 * Authorization header's credentials (Basic as basic_auth's username and password, any other
 * scheme as authorization's credentials) — blackbox reads them from there (prometheus/common's
 * http_headers, credentials_file, password_file).
 */
export function headerSecrets(probe: Probe): [key: string, value: string][] {
  const out: [string, string][] = [];
  for (const [name, value] of Object.entries(probe.http?.headers ?? {})) {
    const lower = name.toLowerCase();
    if (PLAIN_HEADERS.has(lower)) continue;
    if (lower !== "authorization") {
      out.push([`header-${lower}`, value]);
      continue;
    }
    const [scheme, ...rest] = value.trim().split(/\s+/);
    const credentials = rest.join(" ");
    const basic = scheme.toLowerCase() === "basic" ? Buffer.from(credentials, "base64").toString("utf8") : undefined;
    if (basic?.includes(":")) {
      out.push(["basic-username", basic.slice(0, basic.indexOf(":"))]);
      out.push(["basic-password", basic.slice(basic.indexOf(":") + 1)]);
    } else out.push([`authorization-${scheme}`, credentials]);
  }
  return out;
}

/**
 * A probe's headers as blackbox's http module takes them. With a secrets directory the values
 * are references to files there (so blackbox.yml, which the portal and Prometheus can read,
 * holds no secret of opsdeck.yml's); without one they are written in as they are.
 */
function headerConfig(probe: Probe, secretsDir: string | undefined): Record<string, unknown> {
  const headers = probe.http?.headers ?? {};
  if (!Object.keys(headers).length) return {};
  if (!secretsDir) return { headers };
  const plain = Object.fromEntries(Object.entries(headers).filter(([name]) => PLAIN_HEADERS.has(name.toLowerCase())));
  const file = (key: string) => secretPath(secretsDir, probe, key);
  const config: Record<string, unknown> = Object.keys(plain).length ? { headers: plain } : {};
  const fromFiles: Record<string, { files: string[] }> = {};
  for (const [key] of headerSecrets(probe)) {
    if (key.startsWith("header-")) fromFiles[key.slice("header-".length)] = { files: [file(key)] };
    else if (key === "basic-username")
      config.basic_auth = { username_file: file(key), password_file: file("basic-password") };
    else if (key.startsWith("authorization-"))
      config.authorization = { type: key.slice("authorization-".length), credentials_file: file(key) };
  }
  if (Object.keys(fromFiles).length) config.http_headers = fromFiles;
  return config;
}

/** The blackbox module of one probe. IPv4 first, IPv6 if that is all a name has. */
export function blackboxModule(probe: Probe, secretsDir?: string): Record<string, unknown> {
  const ip = { preferred_ip_protocol: "ip4", ip_protocol_fallback: true };
  const timeout = `${probe.timeout_seconds}s`;
  const tls = probe.ca_file ? { tls_config: { ca_file: probe.ca_file } } : {};
  switch (probe.type) {
    case "http": {
      const check = probe.http;
      return {
        prober: "http",
        timeout,
        http: {
          ...ip,
          method: check?.method ?? "GET",
          valid_status_codes: check?.status ?? [],
          no_follow_redirects: check ? !check.follow_redirects : false,
          ...headerConfig(probe, secretsDir),
          ...(check?.keyword ? { fail_if_body_not_matches_regexp: [literalRegexp(check.keyword)] } : {}),
          ...(check?.json ? { fail_if_body_json_not_matches_cel: check.json } : {}),
          ...tls,
        },
      };
    }
    case "tcp":
      return { prober: "tcp", timeout, tcp: ip };
    case "tls":
      return { prober: "tcp", timeout, tcp: { ...ip, tls: true, ...tls } };
    case "dns": {
      const dns = probe.dns!;
      return {
        prober: "dns",
        timeout,
        dns: {
          ...ip,
          query_name: dns.query_name,
          query_type: dns.query_type,
          valid_rcodes: ["NOERROR"],
          ...(dns.answer ? { validate_answer_rrs: { fail_if_none_matches_regexp: [dns.answer] } } : {}),
        },
      };
    }
    case "icmp":
      return { prober: "icmp", timeout, icmp: ip };
  }
}

/** A source's modules: a module per enabled probe (and per first hop it checks apart). */
export function blackboxModules(probes: Probe[], secretsDir?: string): Record<string, unknown> {
  return Object.fromEntries(
    probes
      .filter((p) => p.enabled)
      .flatMap((p) => [
        [moduleName(p), blackboxModule(p, secretsDir)] as const,
        ...(checksFirstHop(p) ? [[firstHopModuleName(p), firstHopModule(p, secretsDir)] as const] : []),
      ]),
  );
}

/** blackbox.yml: every source's modules. */
export const blackboxConfig = (modules: Record<string, unknown>) =>
  `# Written by OpsDeck from opsdeck.yml's probes and the portal's: edits here are overwritten.\n${stringify({ modules })}`;

/** The labels on every series of a probe. */
const probeLabels = (p: Probe): Record<string, string> => ({
  ...p.labels,
  probe: p.name,
  probe_type: p.type,
  ...(p.depends_on?.host ? { parent_host: p.depends_on.host } : {}),
  ...(p.depends_on?.app ? { parent_app: p.depends_on.app } : {}),
});

/** The hosts a probe also runs from: listed, enabled, scraped, with a blackbox_exporter. */
export const vantageHosts = (probe: Probe, hosts: Host[]): Host[] =>
  (probe.vantage_points?.hosts ?? []).flatMap((name) =>
    hosts.filter((h) => h.name === name && h.enabled && h.mode === "scrape" && h.blackbox_exporter !== false),
  );

/**
 * How many vantage points must see a probe down for ProbeDown: its `agree`, else a majority of
 * this server and the hosts it lists — never more than run it (a host disabled or not listed).
 */
export function agreeCount(probe: Probe, hosts: Host[]): number {
  const listed = 1 + (probe.vantage_points?.hosts.length ?? 0);
  return Math.min(probe.vantage_points?.agree ?? Math.floor(listed / 2) + 1, 1 + vantageHosts(probe, hosts).length);
}

/**
 * A source's targets on the agents' blackbox: one per probe and vantage host, the probed address
 * and the module as URL parameters, `host` the vantage point (Prometheus' probes-agents job).
 */
export function agentTargetGroups(probes: Probe[], hosts: Host[]): TargetGroup[] {
  return probes
    .filter((p) => p.enabled)
    .flatMap((p) =>
      vantageHosts(p, hosts).map((h) => ({
        targets: [`${h.address}:${h.blackbox_exporter}`],
        labels: { ...probeLabels(p), host: h.name, __param_target: p.target, __param_module: moduleName(p) },
      })),
    );
}

/**
 * A source's targets: one per enabled probe, naming its module (`__param_module`, a URL
 * parameter of the scrape) and carrying its labels — and what it depends on, as `parent_host`
 * and `parent_app`, which Alertmanager's inhibit rules compare with the parent's alert.
 */
export function probeTargetGroups(probes: Probe[]): TargetGroup[] {
  return probes
    .filter((p) => p.enabled)
    .flatMap((p) => {
      const labels = probeLabels(p);
      return [
        { targets: [p.target], labels: { ...labels, __param_module: moduleName(p) } },
        ...(checksFirstHop(p)
          ? [{ targets: [p.target], labels: { ...labels, hop: "first", __param_module: firstHopModuleName(p) } }]
          : []),
      ];
    });
}

/** A label value in the text format: backslash, quote and newline escaped. */
export const labelValue = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/**
 * The probes' facts as series, in the text format node-exporter's textfile collector reads on
 * every scrape: each probe's slow threshold (so ProbeSlow compares each probe with its own, and
 * a changed threshold needs no restart or rule reload), and an info series with what the status
 * page and maintenance windows need — its display name, whether it is public, what it depends
 * on — so the portal reads them from Prometheus, not from opsdeck.yml's probes (whose headers
 * may hold secrets the portal has no business with).
 */
export function probeSeries(probes: Probe[], source: ProbeSource, hosts: Host[] = []): string {
  const enabled = probes.filter((p) => p.enabled);
  const watched = enabled.filter((p) => p.vantage_points);
  const lines = [
    "# HELP opsdeck_probe_agree How many vantage points must see a probe down for ProbeDown (probes with vantage_points).",
    "# TYPE opsdeck_probe_agree gauge",
    ...watched.map((p) => `opsdeck_probe_agree{probe="${p.name}"} ${agreeCount(p, hosts)}`),
    "# HELP opsdeck_probe_vantage_points How many vantage points run a probe: this server and the agents' hosts it lists.",
    "# TYPE opsdeck_probe_vantage_points gauge",
    ...watched.map((p) => `opsdeck_probe_vantage_points{probe="${p.name}"} ${1 + vantageHosts(p, hosts).length}`),
    "# HELP opsdeck_probe_slow_seconds A probe's slow threshold (opsdeck.yml probes[].slow_ms): slower at p95 over 5 minutes is slow.",
    "# TYPE opsdeck_probe_slow_seconds gauge",
    ...enabled
      .filter((p) => p.slow_ms)
      .map((p) => `opsdeck_probe_slow_seconds{probe="${p.name}"} ${p.slow_ms! / 1000}`),
    "# HELP opsdeck_probe_info A probe: where it is declared (opsdeck.yml or the portal), its display name, whether the public status page shows it, what it depends on.",
    "# TYPE opsdeck_probe_info gauge",
    ...enabled.map((p) => {
      const labels = {
        probe: p.name,
        source: SOURCE_NAMES[source],
        display_name: p.display_name ?? "",
        public: String(p.public),
        depends_on_host: p.depends_on?.host ?? "",
        depends_on_app: p.depends_on?.app ?? "",
      };
      const text = Object.entries(labels)
        .map(([k, v]) => `${k}="${labelValue(v)}"`)
        .join(",");
      return `opsdeck_probe_info{${text}} 1`;
    }),
  ];
  return lines.join("\n") + "\n";
}

/** Where a probe is declared: each source has its own modules, targets and series files. */
export type ProbeSource = "opsdeck" | "portal";
const SOURCE_NAMES: Record<ProbeSource, string> = { opsdeck: "opsdeck.yml", portal: "portal" };

/** The probes' folder in the targets directory: each source's modules (*.yml) and targets (*.json). */
export const probesDir = (targetsDir: string) => join(targetsDir, "probes");
/** What Prometheus' probes job reads: every source's targets. */
export const probeTargetFiles = (targetsDir: string) => join(probesDir(targetsDir), "*.json");
/** What Prometheus' probes-agents job reads: every source's targets on the vantage points. */
export const agentProbesDir = (targetsDir: string) => join(probesDir(targetsDir), "agents");
export const agentProbeTargetFiles = (targetsDir: string) => join(agentProbesDir(targetsDir), "*.json");

/**
 * The modules a vantage point's blackbox needs: those its targets name (every source's), from
 * blackbox.yml — as YAML its blackbox reads. A vantage probe holds no secret (the schema refuses
 * header values and CA files with vantage_points).
 */
export function vantageModules(targetsDir: string, host: string): string {
  const dir = agentProbesDir(targetsDir);
  const wanted = new Set(
    (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json")) : [])
      .flatMap((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as TargetGroup[])
      .filter((g) => g.labels.host === host)
      .map((g) => g.labels.__param_module),
  );
  const file = blackboxConfigFile(targetsDir);
  const all = existsSync(file)
    ? ((parse(readFileSync(file, "utf8")) as { modules?: Record<string, unknown> }).modules ?? {})
    : {};
  const modules = Object.fromEntries(Object.entries(all).filter(([name]) => wanted.has(name)));
  return `# The probe modules of vantage point ${host}, from OpsDeck: edits here are overwritten.\n${stringify({ modules })}`;
}

/** blackbox_exporter's config file: every source's modules, merged. */
export const blackboxConfigFile = (targetsDir: string) => join(targetsDir, "blackbox.yml");
/** The central node-exporter's textfile directory (--collector.textfile.directory). */
export const probeTextfileDir = (targetsDir: string) => join(targetsDir, "textfile");

/** The names of the probes a source has written (from its targets file): empty if none yet. */
export function probeNames(targetsDir: string, source: ProbeSource): string[] {
  const file = join(probesDir(targetsDir), `${source}.json`);
  if (!existsSync(file)) return [];
  const groups = JSON.parse(readFileSync(file, "utf8")) as TargetGroup[];
  return [...new Set(groups.map((g) => g.labels.probe))];
}

/** Replaces a file whose content differs; says whether it did. */
function replaceIfChanged(file: string, content: string, mode?: number): boolean {
  mkdirSync(dirname(file), { recursive: true });
  if (existsSync(file) && readFileSync(file, "utf8") === content) return false;
  replaceFile(file, content, mode);
  return true;
}

/**
 * Writes the header values kept in files (headerSecrets) under secretsDir, one folder per probe,
 * and removes the folders of probes no longer listed. Mode 0600 unless blackbox runs as another
 * user (the compose image's nobody, with the folder on a volume only init and blackbox mount).
 */
function writeHeaderSecrets(secretsDir: string, probes: Probe[], fileMode: number): void {
  mkdirSync(secretsDir, { recursive: true, mode: fileMode === 0o600 ? 0o700 : 0o755 });
  const names = new Set(probes.map((p) => p.name));
  for (const entry of readdirSync(secretsDir))
    if (!names.has(entry)) rmSync(join(secretsDir, entry), { recursive: true, force: true });
  for (const probe of probes)
    for (const [key, value] of headerSecrets(probe))
      replaceIfChanged(secretPath(secretsDir, probe, key), value, fileMode);
}

/** What an older OpsDeck wrote for opsdeck.yml's probes, now each source's own files. */
const legacyFiles = (targetsDir: string) => [
  join(targetsDir, "probes.json"),
  join(probeTextfileDir(targetsDir), "probes.prom"),
];

/**
 * Writes one source's probe files — its modules, targets and series — then blackbox.yml from
 * every source's modules. With a secrets directory, header values go into files there
 * (headerSecrets) and the module text refers to them. Returns the files rewritten.
 */
export function writeProbeFiles(
  opts: { targetsDir: string; source: ProbeSource; secretsDir?: string; secretFileMode?: number },
  probes: Probe[],
  /** Where the vantage points' blackbox listens: the hosts, opsdeck.yml's and the hosts file's. */
  hosts: Host[] = [],
): string[] {
  const { targetsDir, source, secretsDir } = opts;
  for (const file of legacyFiles(targetsDir)) rmSync(file, { force: true });
  if (secretsDir)
    writeHeaderSecrets(
      secretsDir,
      probes.filter((p) => p.enabled),
      opts.secretFileMode ?? 0o600,
    );
  const dir = probesDir(targetsDir);
  const written: string[] = [];
  const write = (file: string, content: string) => replaceIfChanged(file, content) && written.push(file);
  // The modules before the targets that name them.
  write(join(dir, `${source}.yml`), stringify(blackboxModules(probes, secretsDir)));
  const merged = Object.assign(
    {},
    ...readdirSync(dir)
      .filter((f) => f.endsWith(".yml"))
      // opsdeck.yml's modules last, so they win a name both sources use (the portal refuses one).
      .sort()
      .reverse()
      .map((f) => parse(readFileSync(join(dir, f), "utf8")) ?? {}),
  );
  write(blackboxConfigFile(targetsDir), blackboxConfig(merged));
  write(join(dir, `${source}.json`), JSON.stringify(probeTargetGroups(probes), null, 2) + "\n");
  write(
    join(agentProbesDir(targetsDir), `${source}.json`),
    JSON.stringify(agentTargetGroups(probes, hosts), null, 2) + "\n",
  );
  write(join(probeTextfileDir(targetsDir), `probes-${source}.prom`), probeSeries(probes, source, hosts));
  return written;
}
