// Route: see features/auth/signin.ts.
export { POST } from "@/features/auth/signin.ts";
