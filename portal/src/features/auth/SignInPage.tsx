import { dict } from "@/lib/i18n.ts";

export default async function SignIn({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  const { t } = await dict();
  const { error } = await searchParams;
  return (
    <main className="signin">
      <h1>{t.title}</h1>
      <form method="post" action="/api/auth/signin">
        <label>
          {t.user}
          <input name="name" autoComplete="username" required />
        </label>
        <label>
          {t.password}
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error && (
          <p className="error" role="alert">
            {error === "too_many" ? t.too_many : t.bad_credentials}
          </p>
        )}
        <button type="submit">{t.sign_in}</button>
      </form>
    </main>
  );
}
