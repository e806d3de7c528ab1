// Route: see features/recovery/api.ts.
export { GET, POST } from "@/features/recovery/api.ts";
export const dynamic = "force-dynamic";
