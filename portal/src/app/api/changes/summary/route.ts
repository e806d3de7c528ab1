// Route: see features/changes/summary.ts.
export const dynamic = "force-dynamic";
export { GET } from "@/features/changes/summary.ts";
