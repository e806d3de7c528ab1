// Route: see features/rules/api.ts.
export { backtestRule as POST } from "@/features/rules/api.ts";
