// Route: see features/maintenance/recurring-api.ts.
export { DELETE } from "@/features/maintenance/recurring-api.ts";
