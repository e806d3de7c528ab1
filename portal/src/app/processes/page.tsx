// Page: see features/processes/ProcessesPage.tsx.
export const dynamic = "force-dynamic";
export { default } from "@/features/processes/ProcessesPage.tsx";
