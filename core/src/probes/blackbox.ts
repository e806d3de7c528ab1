// What blackbox_exporter needs for opsdeck.yml's probes: one module per probe (its expected
// status, keyword, JSON check, headers, DNS question) in blackbox.yml, which blackbox re-reads by
// itself (--config.enable-auto-reload), and one file_sd target per probe in probes.json, which
// Prometheus watches. Adding, changing or removing a probe rewrites them: no restart.
//
// A redirect's certificates: blackbox reports the TLS of the answer it ends on, so an https
// page that redirects (shop.example.com → www.shop.example.com) would never have the first
// host's certificate watched. Such a probe gets a second target, the same URL without following
// redirects (`hop="first"`), whose certificate series alone Prometheus keeps (the probes job's
// metric relabelling): CertificateExpiring then fires for whichever of the two expires first.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { stringify } from "yaml";
import { replaceFile } from "../atomic-file.ts";
import type { Probe } from "../config/probes.ts";
import type { TargetGroup } from "../hosts/file-sd.ts";

export const moduleName = (probe: Pick<Probe, "name">) => `probe_${probe.name}`;
const firstHopModuleName = (probe: Pick<Probe, "name">) => `probe_${probe.name}_first_hop`;

/** An https page whose redirects blackbox follows: its first hop's certificate is checked apart. */
export const checksFirstHop = (probe: Probe) =>
  probe.type === "http" && probe.target.startsWith("https://") && probe.http?.follow_redirects !== false;

/** The first hop's module: the URL itself, a redirect accepted, only its certificate of interest. */
function firstHopModule(probe: Probe): Record<string, unknown> {
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
      ...(probe.http && Object.keys(probe.http.headers).length ? { headers: probe.http.headers } : {}),
      ...(probe.ca_file ? { tls_config: { ca_file: probe.ca_file } } : {}),
    },
  };
}

/** A keyword as a Go (RE2) regular expression that matches it literally. */
export const literalRegexp = (text: string) => text.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");

/** The blackbox module of one probe. IPv4 first, IPv6 if that is all a name has. */
export function blackboxModule(probe: Probe): Record<string, unknown> {
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
          ...(check && Object.keys(check.headers).length ? { headers: check.headers } : {}),
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

/** blackbox.yml: a module per enabled probe. */
export function blackboxConfig(probes: Probe[]): string {
  const modules = Object.fromEntries(
    probes
      .filter((p) => p.enabled)
      .flatMap((p) => [
        [moduleName(p), blackboxModule(p)] as const,
        ...(checksFirstHop(p) ? [[firstHopModuleName(p), firstHopModule(p)] as const] : []),
      ]),
  );
  return `# Written by OpsDeck from opsdeck.yml's probes: edits here are overwritten.\n${stringify({ modules })}`;
}

/**
 * probes.json: a target per enabled probe, naming its module (`__param_module`, a URL parameter
 * of the scrape) and carrying its labels.
 */
export function probeTargetGroups(probes: Probe[]): TargetGroup[] {
  return probes
    .filter((p) => p.enabled)
    .flatMap((p) => {
      const labels = { ...p.labels, probe: p.name, probe_type: p.type };
      return [
        { targets: [p.target], labels: { ...labels, __param_module: moduleName(p) } },
        ...(checksFirstHop(p)
          ? [{ targets: [p.target], labels: { ...labels, hop: "first", __param_module: firstHopModuleName(p) } }]
          : []),
      ];
    });
}

/** A label value in the text format: backslash, quote and newline escaped. */
const labelValue = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/**
 * The probes' facts as series, in the text format node-exporter's textfile collector reads on
 * every scrape: each probe's slow threshold (so ProbeSlow compares each probe with its own, and
 * a changed threshold needs no restart or rule reload), and an info series with what the status
 * page and maintenance windows need — its display name, whether it is public, what it depends
 * on — so the portal reads them from Prometheus, not from opsdeck.yml's probes (whose headers
 * may hold secrets the portal has no business with).
 */
export function probeSeries(probes: Probe[]): string {
  const enabled = probes.filter((p) => p.enabled);
  const lines = [
    "# HELP opsdeck_probe_slow_seconds A probe's slow threshold (opsdeck.yml probes[].slow_ms): slower at p95 over 5 minutes is slow.",
    "# TYPE opsdeck_probe_slow_seconds gauge",
    ...enabled
      .filter((p) => p.slow_ms)
      .map((p) => `opsdeck_probe_slow_seconds{probe="${p.name}"} ${p.slow_ms! / 1000}`),
    "# HELP opsdeck_probe_info A probe of opsdeck.yml: its display name, whether the public status page shows it, what it depends on.",
    "# TYPE opsdeck_probe_info gauge",
    ...enabled.map((p) => {
      const labels = {
        probe: p.name,
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

export const probeTargetFile = (targetsDir: string) => join(targetsDir, "probes.json");
/** The central node-exporter's textfile directory (--collector.textfile.directory). */
export const probeTextfileDir = (targetsDir: string) => join(targetsDir, "textfile");

/** Writes blackbox.yml, probes.json and the thresholds where they changed; returns which were rewritten. */
export function writeProbeFiles(opts: { targetsDir: string; blackboxFile: string }, probes: Probe[]): string[] {
  const written: string[] = [];
  // blackbox's modules before the targets that name them.
  const files: [string, string][] = [
    [opts.blackboxFile, blackboxConfig(probes)],
    [probeTargetFile(opts.targetsDir), JSON.stringify(probeTargetGroups(probes), null, 2) + "\n"],
    [join(probeTextfileDir(opts.targetsDir), "probes.prom"), probeSeries(probes)],
  ];
  for (const [file, content] of files) {
    mkdirSync(dirname(file), { recursive: true });
    if (existsSync(file) && readFileSync(file, "utf8") === content) continue;
    replaceFile(file, content);
    written.push(file);
  }
  return written;
}
