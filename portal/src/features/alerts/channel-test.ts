// "Send a test message" on a channel: operators ask the notifier (with its token, which only the
// portal's server holds) to send one through its queue, as an alert would go. Audited.
import { z } from "zod";
import { portalSources } from "@opsdeck/core";
import { deniedResponse, requireChange } from "@/features/auth/auth.ts";
import { audit } from "@/lib/audit.ts";
import { config } from "@/lib/config.ts";
import { callService } from "@/lib/service-call.ts";

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
  const call = await callService<{ id?: string }>({
    service: "notifier",
    url: new URL(`/api/v1/channels/${encodeURIComponent(p.data.channel)}/test`, portalSources(config()).notifier_url),
    token: config().notifier?.token,
    tokenKey: "notifier.token",
    // A channel it does not have.
    passed: [404],
  });
  if (call.response) return call.response;
  const answer = call.answer;
  await audit(session.user, "channel-tested", {
    "opsdeck.channel": p.data.channel,
    "opsdeck.notification.id": answer.id,
  });
  return Response.json({ id: answer.id }, { status: 202 });
}
