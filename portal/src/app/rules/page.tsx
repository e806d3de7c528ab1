// Page: see features/rules/RulesPage.tsx.
export const dynamic = "force-dynamic";
export { default } from "@/features/rules/RulesPage.tsx";
