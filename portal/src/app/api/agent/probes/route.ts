// Route: see features/probes/vantage-api.ts.
export { GET } from "@/features/probes/vantage-api.ts";
