// Route: see features/auth/check.ts.
export { signInRedirect as GET } from "@/features/auth/check.ts";
