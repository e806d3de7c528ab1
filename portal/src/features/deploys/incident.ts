// "This deploy caused an incident" (and taking it back): operators say so on a deploy's page;
// the portal passes it to the deploy exporter (with its token, which only the portal's server
// holds), where it is kept (journal) and counted in the change failure rate. Audited.
import { z } from "zod";
import type { DeployView } from "@opsdeck/contracts";
import { portalSources } from "@opsdeck/core";
import { deniedResponse, requireChange } from "@/features/auth/auth.ts";
import { audit } from "@/lib/audit.ts";
import { config } from "@/lib/config.ts";

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
  const token = config().exporters.deploy.token;
  if (!token) return Response.json({ error: "exporters.deploy.token is not set in opsdeck.yml" }, { status: 503 });
  const { id } = await params;
  const url = new URL(`/api/v1/deploys/${encodeURIComponent(id)}/incident`, portalSources(config()).deploy_url);
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ caused: p.data.caused, by: session.user, note: p.data.note || undefined }),
    signal: AbortSignal.timeout(5000),
  }).catch((e: Error) => e);
  if (res instanceof Error) return Response.json({ error: `deploy exporter: ${res.message}` }, { status: 502 });
  const answer = (await res.json().catch(() => ({}))) as { error?: string; deploy?: DeployView };
  // The exporter's refusals (404 unknown, 409 failed or running) are the reader's to see.
  if (!res.ok)
    return Response.json(
      { error: answer.error ?? `deploy exporter: HTTP ${res.status}` },
      { status: [404, 409].includes(res.status) ? res.status : 502 },
    );
  audit(session.user, p.data.caused ? "deploy-incident-marked" : "deploy-incident-unmarked", {
    "opsdeck.deploy.id": id,
    ...(p.data.note ? { "event.reason": p.data.note } : {}),
  });
  return Response.json({ incident: answer.deploy?.incident ?? null });
}
