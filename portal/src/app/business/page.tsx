// Page: see features/business/BusinessPage.tsx.
export const dynamic = "force-dynamic";
export { default } from "@/features/business/BusinessPage.tsx";
