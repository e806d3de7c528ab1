// Next's 404 page, in the reader's language, with a way back (Next's own is English only).
import Link from "next/link";
import { dict } from "@/lib/i18n.ts";

export default async function NotFound() {
  const { t } = await dict();
  return (
    <main data-not-found>
      <h1>{t.not_found}</h1>
      <p>{t.not_found_how}</p>
      <p>
        <Link href="/">{t.back_home} →</Link>
      </p>
    </main>
  );
}
