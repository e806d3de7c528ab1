// "This deploy caused an incident" (and taking it back): operators say so on a deploy's page;
// the portal passes it to the deploy exporter (with its token, which only the portal's server
// holds), where it is kept (journal) and counted in the change failure rate. Audited.
import { z } from "zod";
import type { DeployView } from "@opsdeck/contracts";
import { portalSources } from "@opsdeck/core";
import { deniedResponse, requireChange } from "@/features/auth/auth.ts";
import { audit } from "@/lib/audit.ts";
import { config } from "@/lib/config.ts";
import { callService } from "@/lib/service-call.ts";

const bodySchema = z.strictObject({
  caused: z.boolean().default(true),
  note: z.string().trim().max(500).optional(),
});

export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }) {
  let session;
  try {
    session = await requireChange("operator");
  } catch (err) {
    return deniedResponse(err);
  }
  const p = bodySchema.safeParse(await req.json().catch(() => undefined));
  if (!p.success) {
    const i = p.error.issues[0];
    return Response.json({ error: `${i.path.join(".") || "(body)"}: ${i.message}` }, { status: 400 });
  }
  const { id } = await params;
  const call = await callService<{ deploy?: DeployView }>({
    service: "deploy exporter",
    url: new URL(`/api/v1/deploys/${encodeURIComponent(id)}/incident`, portalSources(config()).deploy_url),
    token: config().exporters.deploy.token,
    tokenKey: "exporters.deploy.token",
    body: { caused: p.data.caused, by: session.user, note: p.data.note || undefined },
    // Unknown (404), failed or still running (409): the reader's to see.
    passed: [404, 409],
  });
  if (call.response) return call.response;
  await audit(session.user, p.data.caused ? "deploy-incident-marked" : "deploy-incident-unmarked", {
    "opsdeck.deploy.id": id,
    ...(p.data.note ? { "event.reason": p.data.note } : {}),
  });
  return Response.json({ incident: call.answer.deploy?.incident ?? null });
}
