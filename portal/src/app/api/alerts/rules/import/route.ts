// Route: see features/rules/api.ts.
export { importRules as POST } from "@/features/rules/api.ts";
