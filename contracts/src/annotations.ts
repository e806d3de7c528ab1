// An alert's text in the reader's language: OpsDeck's rules carry `summary` and `description`
// in English and `summary_zh` / `description_zh` in Chinese (provisioning/prometheus/rules/);
// a rule of the team's own with only the English is shown in English.
export type AnnotationLang = "zh-CN" | "en";

export function annotationText(
  annotations: Record<string, string | undefined>,
  name: "summary" | "description",
  lang: AnnotationLang,
): string | undefined {
  return (lang === "zh-CN" ? annotations[`${name}_zh`] : undefined) ?? annotations[name];
}
