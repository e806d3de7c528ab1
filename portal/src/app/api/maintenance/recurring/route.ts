// Route: see features/maintenance/recurring-api.ts.
export const dynamic = "force-dynamic";
export { GET, POST } from "@/features/maintenance/recurring-api.ts";
