// Page: see features/services/ServicesPage.tsx.
export const dynamic = "force-dynamic";
export { default } from "@/features/services/ServicesPage.tsx";
