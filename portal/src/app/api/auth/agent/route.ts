// Route: see features/hosts/push.ts.
export const dynamic = "force-dynamic";
export { GET } from "@/features/hosts/push.ts";
