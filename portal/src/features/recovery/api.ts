// POST /api/recovery/actions: an operator runs a recovery action that fits an alert (fits.ts)
// on the host the alert names, or rolls its project back (rollback.ts); the result, with who asked, is in the audit trail under the
// alert (target alert:<fingerprint>) before the answer, and told in the alert's thread
// (record.ts). GET: the actions run for one alert, by hand or by its rule.
import { z } from "zod";
import { describeAction, recoveryActionSchema, type RecoveryAction } from "@opsdeck/core/actions/action";
import { currentSession, deniedResponse, requireChange } from "@/features/auth/auth.ts";
import { can } from "@/features/auth/session.ts";
import { auditEntries } from "@/features/audit/trail.ts";
import { parseBody } from "@/lib/change-request.ts";
import { amAlerts, type AmAlert } from "@/lib/sources.ts";
import { actionsFor, sameAction } from "./fits.ts";
import { recordRun } from "./record.ts";
import { rollbackContext, rollbackFor, runRollback } from "./rollback.ts";
import { actionTarget, runOnHost, type HostAnswer } from "./run.ts";

const FINGERPRINT = /^[0-9a-f]{16}$/;

const requestSchema = z.strictObject({
  /** The alert it answers (Alertmanager's fingerprint): the action must fit it. */
  fingerprint: z.string().regex(FINGERPRINT, "an alert's fingerprint (16 hex digits)"),
  action: recoveryActionSchema,
});

/** Whether the action fits the alert: one the Alerts page offers for it. */
async function fits(alert: AmAlert, action: RecoveryAction): Promise<boolean> {
  if (action.kind !== "rollback") return actionsFor(alert.labels, alert.annotations).some((a) => sameAction(a, action));
  const rollback = rollbackFor(alert.labels, await rollbackContext());
  return !!rollback && sameAction(rollback, action);
}

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
  if (!(await fits(alert, body.action)))
    return Response.json(
      { error: `${describeAction(body.action)} does not fit ${alert.labels.alertname}` },
      { status: 409 },
    );
  const host = alert.labels.host ?? "";
  let answer: HostAnswer;
  if (body.action.kind === "rollback")
    answer = await runRollback(body.action, user, `from alert ${alert.labels.alertname} (${alert.fingerprint})`);
  else {
    const target = actionTarget(host);
    if ("reason" in target) return Response.json({ error: target.reason }, { status: 409 });
    answer = await runOnHost(host, body.action, { trigger: "manual" });
  }
  await recordRun({ by: user, trigger: "manual", alert, host, action: body.action, answer });
  if (answer.status !== 200)
    return Response.json(
      { error: answer.body.error ?? `the host answered ${answer.status}` },
      { status: answer.status === 409 || answer.status === 404 ? 409 : 502 },
    );
  return Response.json(answer.body);
}

/** GET /api/recovery/actions?fingerprint=…: the actions run (or held back) for that alert, newest first. */
export async function GET(req: Request) {
  const session = await currentSession();
  if (!session) return Response.json({ error: "sign in first" }, { status: 401 });
  if (!can(session, "operator"))
    return Response.json({ error: "operators and admins see recovery actions" }, { status: 403 });
  const fingerprint = new URL(req.url).searchParams.get("fingerprint") ?? "";
  if (!FINGERPRINT.test(fingerprint))
    return Response.json({ error: "fingerprint: an alert's fingerprint (16 hex digits)" }, { status: 400 });
  // recovery-action, recovery-skipped, recovery-unresolved (record.ts).
  return Response.json(auditEntries({ target: `alert:${fingerprint}`, action: "recovery", limit: 50 }).entries);
}
