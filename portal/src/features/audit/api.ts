// GET /api/audit: the audit trail, newest first, for operators and admins (it names users and
// their addresses). Filters: user, action, target, before (paging), limit.
import { currentSession } from "@/features/auth/auth.ts";
import { can } from "@/features/auth/session.ts";
import { invalidBody } from "@/lib/change-request.ts";
import { auditEntries, auditQuerySchema } from "./trail.ts";

export async function GET(req: Request) {
  const session = await currentSession();
  if (!session) return Response.json({ error: "sign in first" }, { status: 401 });
  if (!can(session, "operator"))
    return Response.json({ error: "operators and admins read the audit trail" }, { status: 403 });
  const q = auditQuerySchema.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!q.success) return invalidBody(q.error);
  return Response.json(auditEntries(q.data));
}
