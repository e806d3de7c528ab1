// Page: see features/audit/AuditPage.tsx.
export const dynamic = "force-dynamic";
export { default } from "@/features/audit/AuditPage.tsx";
