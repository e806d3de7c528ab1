// A page whose main source (Prometheus) did not answer: its title, and what the source said.
import type { Dict } from "@/lib/i18n.ts";

export function SourceErrorPage({ title, error, t }: { title: string; error: string; t: Dict }) {
  return (
    <main>
      <h1>{title}</h1>
      <p className="error" role="alert">
        {t.source_error}: {error}
      </p>
    </main>
  );
}
