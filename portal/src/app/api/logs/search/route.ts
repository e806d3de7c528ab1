// Route: see features/logs/api/search.ts.
export const dynamic = "force-dynamic";
export { GET } from "@/features/logs/api/search.ts";
