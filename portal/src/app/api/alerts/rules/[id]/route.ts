// Route: see features/rules/api.ts.
export { changeRule as PUT, enableRule as PATCH, removeRule as DELETE } from "@/features/rules/api.ts";
