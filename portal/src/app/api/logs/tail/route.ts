// Route: see features/logs/api/tail.ts.
export const dynamic = "force-dynamic";
export { GET } from "@/features/logs/api/tail.ts";
