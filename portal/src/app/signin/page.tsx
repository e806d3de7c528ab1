// Page: see features/auth/SignInPage.tsx.
export { default } from "@/features/auth/SignInPage.tsx";
