// Route: see features/maintenance/api.ts.
export { GET, POST, DELETE } from "@/features/maintenance/api.ts";
