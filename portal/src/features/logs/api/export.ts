// GET /api/logs/export?format=ndjson|csv&<search filters> — the whole result, newest first,
// streamed page by page (point in time + search_after), never held in memory.
import { z } from "zod";
import { errorResponse, params, parseSearch, valid } from "@/features/logs/http.ts";
import { buildQuery, es, indices, SORT, toLine, type LogLine } from "@/features/logs/search.ts";

const MAX_LINES = 1_000_000;
const csvCell = (v: unknown) => {
  const s = v === undefined || v === null ? "" : String(v);
  // Quote always; a leading = + - @ would be a formula to a spreadsheet: prefix a quote.
  return `"${(/^[=+\-@]/.test(s) ? `'${s}` : s).replaceAll('"', '""')}"`;
};
const row = (l: LogLine, format: string) =>
  format === "csv"
    ? [l.ts, l.level, l.service, l.host, l.message].map(csvCell).join(",") + "\r\n"
    : JSON.stringify({ _index: l.index, _id: l.id, ...l.source }) + "\n";

export async function GET(req: Request) {
  let s, pit: string;
  try {
    s = parseSearch(req.url);
    const { format } = valid(z.object({ format: z.enum(["ndjson", "csv"]).default("ndjson") }), params(req.url));
    const query = buildQuery(s);
    pit = (await es().openPointInTime({ index: indices(s.source), keep_alive: "2m", ignore_unavailable: true })).id;
    const enc = new TextEncoder();
    let after: unknown[] | undefined;
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        if (format === "csv") controller.enqueue(enc.encode("@timestamp,log.level,service.name,host.name,message\r\n"));
      },
      // Pulled: the next page is read only when the client has taken the last one.
      async pull(controller) {
        const res = await es().search<Record<string, unknown>>({
          pit: { id: pit, keep_alive: "2m" },
          query,
          sort: SORT,
          size: 1000,
          search_after: after,
        });
        const hits = res.hits.hits;
        controller.enqueue(enc.encode(hits.map((h) => row(toLine(h), format)).join("")));
        sent += hits.length;
        after = hits.at(-1)?.sort;
        if (hits.length < 1000 || sent >= MAX_LINES) {
          controller.close();
          void es()
            .closePointInTime({ id: pit })
            .catch(() => undefined);
        }
      },
      cancel() {
        void es()
          .closePointInTime({ id: pit })
          .catch(() => undefined);
      },
    });
    const name = `opsdeck-logs-${new Date().toISOString().replace(/[:.]/g, "-")}.${format === "csv" ? "csv" : "ndjson"}`;
    return new Response(stream, {
      headers: {
        "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson",
        "content-disposition": `attachment; filename="${name}"`,
      },
    });
  } catch (err) {
    return errorResponse(err);
  }
}
