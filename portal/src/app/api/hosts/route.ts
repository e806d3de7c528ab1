// Route: see features/hosts/api.ts.
export { POST } from "@/features/hosts/api.ts";
