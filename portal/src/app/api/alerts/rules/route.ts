// Route: see features/rules/api.ts.
export { listRules as GET, createRule as POST } from "@/features/rules/api.ts";
export const dynamic = "force-dynamic";
