// Page: see features/status/StatusPage.tsx (public: no sign-in, proxy.ts lets it through).
export const dynamic = "force-dynamic";
export { default } from "@/features/status/StatusPage.tsx";
