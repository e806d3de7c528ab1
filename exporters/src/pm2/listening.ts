// Which TCP ports something listens on, on this host: /proc/net/tcp and tcp6 (state 0A is
// LISTEN). Read by the PM2 exporter to say whether an app's PORT is listening — told apart from
// "the probe from outside fails" (nginx, the firewall, the network). Whoever owns the socket: in
// PM2's cluster mode the PM2 daemon holds it for the workers, so sockets are not matched to pids.
import { readFile } from "node:fs/promises";

const LISTEN = "0A";

/** The ports in LISTEN state in one /proc/net/tcp* file's text. */
export function listeningPorts(text: string): Set<number> {
  const ports = new Set<number>();
  for (const line of text.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4 || fields[3] !== LISTEN) continue;
    const port = Number.parseInt(fields[1].split(":")[1] ?? "", 16);
    if (port > 0) ports.add(port);
  }
  return ports;
}

/** Every listening TCP port of this host (its network namespace); undefined where /proc has none. */
export async function readListeningPorts(): Promise<Set<number> | undefined> {
  const texts = await Promise.all(
    ["/proc/net/tcp", "/proc/net/tcp6"].map((f) => readFile(f, "utf8").catch(() => undefined)),
  );
  if (texts.every((t) => t === undefined)) return undefined;
  return new Set(texts.flatMap((t) => (t ? [...listeningPorts(t)] : [])));
}

/** An app's port from its environment (PORT, as most Node.js servers read it), if it has one. */
export function appPort(env: Record<string, unknown> | undefined): number | undefined {
  const nested = env?.env as Record<string, unknown> | undefined;
  const raw = env?.PORT ?? nested?.PORT;
  const port = typeof raw === "string" || typeof raw === "number" ? Number(raw) : NaN;
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}
