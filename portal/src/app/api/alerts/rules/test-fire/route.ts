// Route: see features/rules/api.ts.
export { testFireRule as POST } from "@/features/rules/api.ts";
