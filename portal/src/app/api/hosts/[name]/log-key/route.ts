// Route: see features/hosts/log-keys.ts.
export { POST, DELETE } from "@/features/hosts/log-keys.ts";
