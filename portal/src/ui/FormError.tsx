// What a form's change was refused for (the API's own words), where the form is: read out by a
// screen reader as it appears. Nothing when there is no error.
export function FormError({ error, inline = false }: { error?: string; inline?: boolean }) {
  if (!error) return null;
  const Tag = inline ? "span" : "p";
  return (
    <Tag className="error" role="alert">
      {error}
    </Tag>
  );
}
