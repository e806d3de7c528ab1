// Route: see features/logs/api/context.ts.
export const dynamic = "force-dynamic";
export { GET } from "@/features/logs/api/context.ts";
