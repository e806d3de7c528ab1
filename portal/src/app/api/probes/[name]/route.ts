// Route: see features/probes/api.ts.
export { DELETE, PATCH, PUT } from "@/features/probes/api.ts";
