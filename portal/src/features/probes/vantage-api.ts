// What a vantage point's agent fetches (install-agent.sh's fetch-probes.sh, every 30 s): the
// blackbox modules of the probes that list its host in vantage_points, opsdeck.yml's and the
// portal's. No session: the host's own token (basic auth, name and token, as a push host
// writes), checked against the SHA-256 its hosts entry lists. A vantage probe's module holds no
// secret (the schema refuses header values and CA files with vantage_points).
import { createLogger } from "@opsdeck/core";
import { checkHostToken } from "@opsdeck/core/hosts/push-auth";
import { vantageModules } from "@opsdeck/core/probes/blackbox";
import { watchedHosts } from "@/features/hosts/host-lists.ts";
import { config, configRelative } from "@/lib/config.ts";

const log = createLogger({ service: "portal", dataset: "opsdeck.portal" });
/** An agent retries every 30 s: each refusal is logged once per host and reason an hour. */
const logged = new Map<string, number>();

export async function GET(req: Request) {
  const result = checkHostToken(watchedHosts(), req.headers.get("authorization") ?? undefined, "probes");
  if (!result.ok) {
    const key = `${result.host ?? ""}\u0000${result.reason}`;
    if (Date.now() - (logged.get(key) ?? 0) > 3_600_000) {
      if (logged.size > 1000) logged.clear();
      logged.set(key, Date.now());
      log.warn(`probe modules refused: ${result.reason}`, { "host.name": result.host });
    }
    return Response.json(
      { error: result.reason },
      { status: 401, headers: { "www-authenticate": 'Basic realm="opsdeck probes"' } },
    );
  }
  return new Response(vantageModules(configRelative(config().agents.targets_dir), result.host), {
    headers: { "content-type": "application/yaml; charset=utf-8", "cache-control": "no-store" },
  });
}
