// Route: see features/recovery/pull.ts.
export { GET } from "@/features/recovery/pull.ts";
