// Route: see features/timeline/api.ts.
export const dynamic = "force-dynamic";
export { GET } from "@/features/timeline/api.ts";
