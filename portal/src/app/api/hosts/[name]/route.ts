// Route: see features/hosts/api.ts.
export { PATCH, DELETE } from "@/features/hosts/api.ts";
