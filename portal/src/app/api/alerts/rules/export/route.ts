// Route: see features/rules/api.ts.
export { exportRules as GET } from "@/features/rules/api.ts";
export const dynamic = "force-dynamic";
