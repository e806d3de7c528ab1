// Route: see features/hosts/log-keys.ts.
export const dynamic = "force-dynamic";
export { GET } from "@/features/hosts/log-keys.ts";
