// "Send a test message" on a channel: operators ask the notifier (with its token, which only the
// portal's server holds) to send one through its queue, as an alert would go. Audited.
import { z } from "zod";
import { portalSources } from "@opsdeck/core";
import { deniedResponse, requireChange } from "@/features/auth/auth.ts";
import { audit } from "@/lib/audit.ts";
import { config } from "@/lib/config.ts";

const bodySchema = z.strictObject({ channel: z.string().min(1).max(200) });

export async function POST(req: Request) {
  let session;
  try {
    session = await requireChange("operator");
  } catch (err) {
    return deniedResponse(err);
  }
  const p = bodySchema.safeParse(await req.json().catch(() => undefined));
  if (!p.success) return Response.json({ error: "channel: say which channel to test" }, { status: 400 });
  const token = config().notifier?.token;
  if (!token) return Response.json({ error: "notifier.token is not set in opsdeck.yml" }, { status: 503 });
  const url = new URL(
    `/api/v1/channels/${encodeURIComponent(p.data.channel)}/test`,
    portalSources(config()).notifier_url,
  );
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(5000),
  }).catch((e: Error) => e);
  if (res instanceof Error) return Response.json({ error: `notifier: ${res.message}` }, { status: 502 });
  const answer = (await res.json().catch(() => ({}))) as { id?: string; error?: string };
  if (!res.ok)
    return Response.json(
      { error: answer.error ?? `notifier: HTTP ${res.status}` },
      { status: res.status === 404 ? 404 : 502 },
    );
  audit(session.user, "channel-tested", { "opsdeck.channel": p.data.channel, "opsdeck.notification.id": answer.id });
  return Response.json({ id: answer.id }, { status: 202 });
}
