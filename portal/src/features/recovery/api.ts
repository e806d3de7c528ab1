// POST /api/recovery/actions: an operator runs a recovery action that fits an alert (fits.ts)
// on the host the alert names; the result, with who asked, is in the audit trail under the
// alert (target alert:<fingerprint>) before the answer. GET: those results for one alert.
import { z } from "zod";
import { actionSchema, describeAction } from "@opsdeck/core/actions/action";
import { currentSession, deniedResponse, requireChange } from "@/features/auth/auth.ts";
import { can } from "@/features/auth/session.ts";
import { auditEntries } from "@/features/audit/trail.ts";
import { audit } from "@/lib/audit.ts";
import { parseBody } from "@/lib/change-request.ts";
import { amAlerts } from "@/lib/sources.ts";
import { actionsFor, sameAction } from "./fits.ts";
import { actionHost, runOnHost } from "./run.ts";

const FINGERPRINT = /^[0-9a-f]{16}$/;
export const RECOVERY_AUDIT_ACTION = "recovery-action";

const requestSchema = z.strictObject({
  /** The alert it answers (Alertmanager's fingerprint): the action must fit it. */
  fingerprint: z.string().regex(FINGERPRINT, "an alert's fingerprint (16 hex digits)"),
  action: actionSchema,
});

export async function POST(req: Request) {
  let user: string;
  try {
    user = (await requireChange("operator")).user;
  } catch (err) {
    return deniedResponse(err);
  }
  const body = await parseBody(req, requestSchema);
  if (body instanceof Response) return body;
  const alerts = await amAlerts();
  if (!alerts.ok) return Response.json({ error: alerts.error }, { status: 502 });
  const alert = alerts.data.find((a) => a.fingerprint === body.fingerprint);
  if (!alert) return Response.json({ error: "no such alert is active" }, { status: 404 });
  if (!actionsFor(alert.labels).some((a) => sameAction(a, body.action)))
    return Response.json(
      { error: `${describeAction(body.action)} does not fit ${alert.labels.alertname}` },
      { status: 409 },
    );
  const target = actionHost();
  if (!target.ok) return Response.json({ error: target.reason }, { status: 503 });
  const host = alert.labels.host;
  if (host !== target.host)
    return Response.json({ error: `no action key for host "${host}" (only "${target.host}")` }, { status: 409 });
  const answer = await runOnHost(host, body.action);
  const outcome = answer.status === 200 ? answer.body.status : "refused";
  await audit(
    user,
    RECOVERY_AUDIT_ACTION,
    {
      "opsdeck.action.kind": body.action.kind,
      "opsdeck.action.description": describeAction(body.action),
      "host.name": host,
      "event.outcome": outcome === "succeeded" ? "success" : "failure",
    },
    {
      target: `alert:${body.fingerprint}`,
      after: {
        host,
        action: body.action,
        outcome,
        ...(answer.status === 200 ? answer.body : { error: answer.body.error }),
      },
    },
  );
  if (answer.status !== 200)
    return Response.json(
      { error: answer.body.error ?? `the host answered ${answer.status}` },
      { status: answer.status === 409 ? 409 : 502 },
    );
  return Response.json(answer.body);
}

/** GET /api/recovery/actions?fingerprint=…: the actions run for that alert, newest first. */
export async function GET(req: Request) {
  const session = await currentSession();
  if (!session) return Response.json({ error: "sign in first" }, { status: 401 });
  if (!can(session, "operator"))
    return Response.json({ error: "operators and admins see recovery actions" }, { status: 403 });
  const fingerprint = new URL(req.url).searchParams.get("fingerprint") ?? "";
  if (!FINGERPRINT.test(fingerprint))
    return Response.json({ error: "fingerprint: an alert's fingerprint (16 hex digits)" }, { status: 400 });
  return Response.json(
    auditEntries({ target: `alert:${fingerprint}`, action: RECOVERY_AUDIT_ACTION, limit: 50 }).entries,
  );
}
