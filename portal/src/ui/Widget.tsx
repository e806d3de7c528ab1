// A widget that fails alone: a source that is down shows which and why; the rest still works.
import type { ReactNode } from "react";
import type { Result } from "@/lib/sources.ts";

export function Widget<T>({
  title,
  result,
  errorText,
  children,
}: {
  title: string;
  result: Result<T>;
  errorText: string;
  children: (data: T) => ReactNode;
}) {
  return (
    <section className="card" data-widget={title}>
      <h2>{title}</h2>
      {result.ok ? (
        children(result.data)
      ) : (
        <p className="error" role="alert">
          {errorText}: {result.error}
        </p>
      )}
    </section>
  );
}
