// Route: see features/rules/api.ts.
export { checkRule as POST } from "@/features/rules/api.ts";
