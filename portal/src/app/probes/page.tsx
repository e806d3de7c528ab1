// Page: see features/probes/ProbesPage.tsx.
export const dynamic = "force-dynamic";
export { default } from "@/features/probes/ProbesPage.tsx";
