// Route: see features/auth/check.ts.
export { GET } from "@/features/auth/check.ts";
