// GET /api/logs/search?q=&service=&level=&host=&from=&to=&source=&size=&cursor=
import { errorResponse, parseSearch } from "@/lib/logs/http.ts";
import { search } from "@/lib/logs/search.ts";

export const dynamic = "force-dynamic";

export async function GET(req: Request) {
  try {
    return Response.json(await search(parseSearch(req.url)));
  } catch (err) {
    return errorResponse(err);
  }
}
