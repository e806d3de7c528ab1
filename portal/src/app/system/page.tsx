// Page: see features/system/SystemPage.tsx.
export const dynamic = "force-dynamic";
export { default } from "@/features/system/SystemPage.tsx";
