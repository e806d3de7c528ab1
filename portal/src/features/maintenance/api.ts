// /api/maintenance: maintenance windows. GET lists them (any signed-in user, or CI's token);
// POST opens one and DELETE ends one early — an operator from the portal (CSRF-checked), or CI
// before a deploy with `Authorization: Bearer <portal.maintenance_token>`. Every change is audited.
import { amSilences } from "@/lib/sources.ts";
import { audit } from "@/lib/audit.ts";
import { changingUser, parseBody } from "@/lib/change-request.ts";
import { bearerMatches } from "@/lib/bearer.ts";
import { config } from "@/lib/config.ts";
import { createSilence, expireSilence } from "@/features/alerts/silences.ts";
import { currentSession } from "@/features/auth/auth.ts";
import { windowRequestSchema, windowSilence, windowsFrom } from "./windows.ts";

/** Who asks: CI with the token, or a signed-in user (for a change: an operator, CSRF-checked). */
export async function caller(req: Request, change: boolean): Promise<{ user: string } | Response> {
  if (req.headers.get("authorization")) {
    if (bearerMatches(req.headers.get("authorization"), config().portal.maintenance_token)) return { user: "ci" };
    return Response.json({ error: "not the maintenance token" }, { status: 401 });
  }
  if (!change) {
    const session = await currentSession();
    return session ? { user: session.user } : Response.json({ error: "sign in first" }, { status: 401 });
  }
  const user = await changingUser("operator");
  return user instanceof Response ? user : { user };
}

export async function GET(req: Request) {
  const who = await caller(req, false);
  if (who instanceof Response) return who;
  const silences = await amSilences();
  if (!silences.ok) return Response.json({ error: `Alertmanager: ${silences.error}` }, { status: 502 });
  return Response.json({ windows: windowsFrom(silences.data).filter((w) => w.state !== "expired") });
}

export async function POST(req: Request) {
  const who = await caller(req, true);
  if (who instanceof Response) return who;
  const request = await parseBody(req, windowRequestSchema);
  if (request instanceof Response) return request;
  let silence;
  try {
    silence = windowSilence(request, who.user);
  } catch (err) {
    return Response.json({ error: (err as Error).message }, { status: 400 });
  }
  const created = await createSilence(silence);
  if (created instanceof Response) return created;
  await audit(
    who.user,
    "maintenance-scheduled",
    {
      "opsdeck.silence.id": created.id,
      "opsdeck.silence.matchers": silence.matchers.map((m) => `${m.name}="${m.value}"`).join(","),
      "opsdeck.maintenance.starts_at": silence.startsAt,
      "opsdeck.maintenance.ends_at": silence.endsAt,
      "event.reason": request.title,
    },
    { target: `silence:${created.id}`, after: silence },
  );
  return Response.json({ id: created.id, starts_at: silence.startsAt, ends_at: silence.endsAt }, { status: 201 });
}

export async function DELETE(req: Request) {
  const who = await caller(req, true);
  if (who instanceof Response) return who;
  const id = new URL(req.url).searchParams.get("id") ?? "";
  // Only a window: this API does not end other people's silences or acks.
  const silences = await amSilences();
  if (!silences.ok) return Response.json({ error: `Alertmanager: ${silences.error}` }, { status: 502 });
  if (!windowsFrom(silences.data).some((w) => w.id === id && w.state !== "expired"))
    return Response.json({ error: "id: no open maintenance window has it" }, { status: 404 });
  const failed = await expireSilence(id);
  if (failed) return failed;
  const window = silences.data.find((s) => s.id === id);
  await audit(who.user, "maintenance-ended", { "opsdeck.silence.id": id }, { target: `silence:${id}`, before: window });
  return new Response(null, { status: 204 });
}
