// Route: see features/audit/api.ts.
export { GET } from "@/features/audit/api.ts";
export const dynamic = "force-dynamic";
