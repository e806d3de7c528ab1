// Silences and acknowledgements, only through Alertmanager's API. Operators and admins only;
// CSRF-checked; every change goes to the audit log.
import { fetchFromReplicas } from "@opsdeck/core/replicas";
import { z } from "zod";
import { ACK_PREFIX } from "@/features/alerts/acks.ts";
import { audit } from "@/lib/audit.ts";
import { changeRequest, changingUser } from "@/lib/change-request.ts";
import { portalSources } from "@opsdeck/core";
import { config } from "@/lib/config.ts";
import { dict } from "@/lib/i18n.ts";

const createSchema = z
  .object({
    matchers: z
      .array(
        z
          .object({
            name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/),
            value: z.string().max(1024),
            isRegex: z.boolean().default(false),
          })
          .strict(),
      )
      .min(1)
      .max(20),
    minutes: z
      .number()
      .int()
      .min(1)
      .max(60 * 24 * 30),
    comment: z.string().trim().min(1, "say why").max(1000),
    ack: z.boolean().default(false),
  })
  .strict();

/** Any peer takes a silence: the cluster gossips it to the others. */
const am = () => portalSources(config()).alertmanager_urls;

export async function POST(req: Request) {
  const change = await changeRequest(req, "operator", createSchema);
  if (change instanceof Response) return change;
  const { user, body } = change;
  const now = Date.now();
  const silence = {
    matchers: body.matchers.map((m) => ({ ...m, isEqual: true })),
    startsAt: new Date(now).toISOString(),
    endsAt: new Date(now + body.minutes * 60_000).toISOString(),
    createdBy: user,
    comment: body.ack ? `${ACK_PREFIX}${body.comment}` : body.comment,
  };
  const created = await createSilence(silence);
  if (created instanceof Response) return created;
  const silenceID = created.id;
  await audit(
    user,
    body.ack ? "alert-acknowledged" : "silence-created",
    {
      "opsdeck.silence.id": silenceID,
      "opsdeck.silence.matchers": body.matchers.map((m) => `${m.name}${m.isRegex ? "=~" : "="}"${m.value}"`).join(","),
      "opsdeck.silence.minutes": body.minutes,
      "event.reason": body.comment,
    },
    { target: `silence:${silenceID}`, after: silence },
  );
  return Response.json({ id: silenceID }, { status: 201 });
}

export async function DELETE(req: Request) {
  const user = await changingUser("operator");
  if (user instanceof Response) return user;
  const id = new URL(req.url).searchParams.get("id") ?? "";
  const failed = await expireSilence(id);
  if (failed) return failed;
  await audit(user, "silence-expired", { "opsdeck.silence.id": id }, { target: `silence:${id}` });
  return new Response(null, { status: 204 });
}

/**
 * Gives Alertmanager a silence: its id, or the answer to send — a matcher it cannot take (its
 * regular expressions are Go's RE2) is the reader's 400 with Alertmanager's own words after it;
 * anything else is Alertmanager failing (502).
 */
export async function createSilence(silence: unknown): Promise<{ id: string } | Response> {
  const res = await fetchFromReplicas(am(), "/api/v2/silences", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(silence),
    timeoutMs: 5000,
  }).catch((e: Error) => e);
  if (!(res instanceof Error) && res.status === 400) {
    const { t } = await dict();
    const text = (await res.text()).trim();
    let detail = text;
    try {
      const said: unknown = JSON.parse(text); // Alertmanager answers a JSON string
      if (typeof said === "string") detail = said;
    } catch {
      /* plain text: as it is */
    }
    return Response.json({ error: `${t.silence_bad_matcher}: ${detail}` }, { status: 400 });
  }
  if (res instanceof Error || !res.ok) {
    const why = res instanceof Error ? res.message : `HTTP ${res.status}: ${await res.text()}`;
    return Response.json({ error: `Alertmanager refused: ${why}` }, { status: 502 });
  }
  return { id: ((await res.json()) as { silenceID: string }).silenceID };
}

/** Ends a silence now; undefined when Alertmanager did, else the answer to send. */
export async function expireSilence(id: string): Promise<Response | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(id)) return Response.json({ error: "id: not a silence id" }, { status: 400 });
  const res = await fetchFromReplicas(am(), `/api/v2/silence/${id}`, {
    method: "DELETE",
    timeoutMs: 5000,
  }).catch((e: Error) => e);
  if (res instanceof Error || !res.ok)
    return Response.json(
      { error: `Alertmanager refused: ${res instanceof Error ? res.message : `HTTP ${res.status}`}` },
      { status: 502 },
    );
  return undefined;
}
