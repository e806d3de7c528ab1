import { subscribe } from "@/lib/hub.ts";

export const dynamic = "force-dynamic";

export function GET(req: Request) {
  const last = Number(req.headers.get("last-event-id") ?? NaN);
  return new Response(subscribe(Number.isFinite(last) ? last : undefined), {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
    },
  });
}
