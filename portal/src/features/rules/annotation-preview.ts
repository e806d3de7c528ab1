// A test-fire's annotations as Prometheus would fill them (it templates them when an alert fires).

/**
 * An annotation as Prometheus would fill it for this alert — the common forms only: `$value` (plain,
 * `| humanize`, `| humanizePercentage`) and `$labels.name`; anything else is shown as written.
 */
export function previewText(text: string, labels: Record<string, string>, value: number): string {
  return text.replace(
    /\{\{\s*(\$value|\$labels\.([a-zA-Z_][a-zA-Z0-9_]*))\s*(?:\|\s*(humanize|humanizePercentage)\s*)?\}\}/g,
    (_all, what: string, label: string | undefined, pipe: string | undefined) => {
      if (label !== undefined) return labels[label] ?? "";
      if (pipe === "humanizePercentage") return `${Number((value * 100).toPrecision(4))}%`;
      if (pipe === "humanize") return String(Number(value.toPrecision(4)));
      return String(value);
    },
  );
}
