// Route: see features/logs/api/export.ts.
export const dynamic = "force-dynamic";
export { GET } from "@/features/logs/api/export.ts";
