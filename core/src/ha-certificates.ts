// docker-compose.ha.yml's certificates — the servers' CA and this server's own, which ha-certs
// makes for Elasticsearch's transport and Alertmanager's gossip — as series for node-exporter's
// textfile collector. Nothing renews them by themselves, and once one expires the servers refuse
// each other: HACertificateExpiring says so a month ahead.
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { labelValue } from "./probes/blackbox.ts";

/** The files ha-certs writes into its volume, by what each is. */
export const HA_CERTIFICATE_FILES = { node: "node.crt", ca: "ca.crt" } as const;
export type HaCertificate = keyof typeof HA_CERTIFICATE_FILES;

export interface CertificateFacts {
  certificate: HaCertificate;
  /** As OpenSSL prints it, one attribute per line joined with ", " (e.g. "CN=a"). */
  subject: string;
  notAfter: Date;
}

/** What the certificate in a PEM file says of itself; a clear error where it is not one. */
export function readCertificate(certificate: HaCertificate, file: string): CertificateFacts {
  if (!existsSync(file)) throw new Error(`${file}: missing (ha-certs writes it: is its volume mounted?)`);
  let parsed: X509Certificate;
  try {
    parsed = new X509Certificate(readFileSync(file));
  } catch (err) {
    throw new Error(`${file}: not a PEM certificate (${(err as Error).message})`);
  }
  const notAfter = new Date(parsed.validTo);
  if (Number.isNaN(notAfter.getTime())) throw new Error(`${file}: unreadable expiry "${parsed.validTo}"`);
  return { certificate, subject: parsed.subject.trim().split("\n").join(", "), notAfter };
}

/** The node's and the CA's certificate in ha-certs' directory. */
export function readHaCertificates(dir: string): CertificateFacts[] {
  return (Object.entries(HA_CERTIFICATE_FILES) as [HaCertificate, string][]).map(([certificate, name]) =>
    readCertificate(certificate, join(dir, name)),
  );
}

/** The text format node-exporter's textfile collector reads. */
export function haCertificateSeries(facts: CertificateFacts[]): string {
  const name = "opsdeck_ha_certificate_expiry_timestamp_seconds";
  return [
    `# HELP ${name} When a certificate of the HA layout expires (ha-certs): this server's own (node) and the servers' CA (ca).`,
    `# TYPE ${name} gauge`,
    ...facts.map(
      (f) =>
        `${name}{certificate="${f.certificate}",subject="${labelValue(f.subject)}"} ${Math.floor(f.notAfter.getTime() / 1000)}`,
    ),
    "",
  ].join("\n");
}
