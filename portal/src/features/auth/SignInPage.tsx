import { dict } from "@/lib/i18n.ts";
import { returnPath } from "./return-path.ts";

export default async function SignIn({
  searchParams,
}: {
  searchParams: Promise<{ error?: string; retry?: string; next?: string }>;
}) {
  const { t, lang } = await dict();
  const { error, retry, next } = await searchParams;
  const seconds = Number(retry);
  const tooMany =
    Number.isInteger(seconds) && seconds > 0
      ? t.too_many_wait.replace("{s}", seconds.toLocaleString(lang))
      : t.too_many;
  return (
    <main className="signin">
      <h1>{t.title}</h1>
      <form method="post" action="/api/auth/signin">
        <input type="hidden" name="next" value={returnPath(next)} />
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
            {error === "too_many" ? tooMany : error === "unavailable" ? t.signin_unavailable : t.bad_credentials}
          </p>
        )}
        <button type="submit">{t.sign_in}</button>
      </form>
    </main>
  );
}
