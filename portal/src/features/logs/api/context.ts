// GET /api/logs/context?index=&id=&n= — the lines before and after one line, from its source.
import { z } from "zod";
import { BadRequest, errorResponse, params, valid } from "@/features/logs/http.ts";
import { config } from "@/lib/config.ts";
import { context } from "@/features/logs/search.ts";

const schema = z.object({
  index: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,200}$/),
  id: z.string().min(1).max(512),
  n: z.coerce.number().int().min(1).max(200).default(20),
});

export async function GET(req: Request) {
  try {
    const p = { data: valid(schema, params(req.url)) };
    // Only OpsDeck's own log indices: the browser names one, so it must not reach any other.
    const prefix = config().elasticsearch.index_prefix;
    if (!["logs", "events", "import"].some((k) => p.data.index.startsWith(`${prefix}-${k}-`)))
      throw new BadRequest("index: not a log index");
    return Response.json(await context(p.data.index, p.data.id, p.data.n));
  } catch (err) {
    const e = err as { meta?: { statusCode?: number } };
    if (e.meta?.statusCode === 404) return Response.json({ error: "no such log line" }, { status: 404 });
    return errorResponse(err);
  }
}
