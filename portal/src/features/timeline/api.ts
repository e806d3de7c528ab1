// GET /api/timeline: the timeline's lanes as JSON (docs/api/portal.openapi.yaml), so a script or
// a chat bot can ask what the page shows. Signed-in users, like every page.
import { timeline, timelineQuerySchema } from "./lanes.ts";

export async function GET(req: Request) {
  const parsed = timelineQuerySchema.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return Response.json({ error: `${i.path.join(".") || "(query)"}: ${i.message}` }, { status: 400 });
  }
  return Response.json(await timeline(parsed.data));
}
