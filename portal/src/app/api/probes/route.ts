// Route: see features/probes/api.ts.
export { POST } from "@/features/probes/api.ts";
