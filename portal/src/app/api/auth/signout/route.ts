// Route: see features/auth/signout.ts.
export { POST } from "@/features/auth/signout.ts";
