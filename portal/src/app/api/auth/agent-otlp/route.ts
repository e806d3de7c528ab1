// Route: see features/hosts/otlp.ts.
export const dynamic = "force-dynamic";
export { GET } from "@/features/hosts/otlp.ts";
