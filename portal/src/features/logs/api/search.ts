// GET /api/logs/search?q=&service=&level=&host=&from=&to=&source=&size=&cursor=
import { errorResponse, parseSearch } from "@/features/logs/http.ts";
import { search } from "@/features/logs/search.ts";

export async function GET(req: Request) {
  try {
    return Response.json(await search(parseSearch(req.url)));
  } catch (err) {
    return errorResponse(err);
  }
}
