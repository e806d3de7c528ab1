// Route: see features/deploys/incident.ts.
export const dynamic = "force-dynamic";
export { POST } from "@/features/deploys/incident.ts";
