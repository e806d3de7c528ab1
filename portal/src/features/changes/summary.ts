// GET /api/changes/summary: the notifier's one line, "what changed before this alert?" — the
// likeliest change and the new error kinds since the likeliest deploy — as data it words in its
// own language. Only for the notifier: it shows its own token (notifier.token, which the portal
// already holds to call it), not a session. Answers are kept 30 s: one alert group's messages
// to several channels ask once.
import type { ChangeSummary } from "@opsdeck/contracts";
import { bearerMatches } from "@/lib/bearer.ts";
import { config } from "@/lib/config.ts";
import { parseChangesQuery, rankedFor } from "./api.ts";
import { newErrorsSince } from "./for-alerts.ts";

const KEEP_MS = 30_000;
const answers = ((
  globalThis as { __opsdeckChangeSummaries?: Map<string, { at: number; body: unknown }> }
).__opsdeckChangeSummaries ??= new Map());

export async function GET(req: Request) {
  if (!bearerMatches(req.headers.get("authorization"), config().notifier?.token))
    return Response.json({ error: "the notifier's token is required" }, { status: 401 });
  const parsed = parseChangesQuery(req);
  if (parsed.error) return parsed.error;
  const { q, labels } = parsed;
  const key = new URL(req.url).search;
  const now = Date.now();
  const kept = answers.get(key);
  if (kept && now - kept.at < KEEP_MS) return Response.json(kept.body);
  for (const [k, v] of answers) if (now - v.at >= KEEP_MS) answers.delete(k);

  const { ranked, sources } = await rankedFor(q, labels);
  const novelty = await newErrorsSince(ranked, labels, now);
  const top = ranked[0];
  const body: ChangeSummary = {
    top: top
      ? {
          kind: top.kind,
          minutes_before: top.minutesBefore,
          title: top.title,
          project: top.project,
          app: top.app,
          version: top.version,
          commit: top.commit?.slice(0, 7),
          actor: top.actor,
          result: top.result,
          count: top.count,
          hosts: top.hosts,
          reasons: top.reasons,
        }
      : null,
    new_errors: novelty
      ? { since: novelty.deploy.version ?? novelty.deploy.commit?.slice(0, 7), kinds: novelty.errors.length }
      : null,
    complete: sources.every((s) => s.ok),
  };
  if (body.complete) answers.set(key, { at: now, body });
  return Response.json(body);
}
