// Route: see features/changes/api.ts.
export const dynamic = "force-dynamic";
export { GET } from "@/features/changes/api.ts";
