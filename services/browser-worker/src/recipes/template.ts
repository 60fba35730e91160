/** Values a recipe may insert into URLs and form values with `{name}`. */
export interface TemplateValues {
  orderUrl: string;
  amount: string;
  itemId: string;
  batchId: string;
  /** Values extracted by earlier steps, written as `{fields.name}`. */
  fields: Record<string, string>;
}

/** Replaces `{orderUrl}`, `{amount}`, `{itemId}`, `{batchId}` and `{fields.<name>}`; unknown names stay. */
export function fillTemplate(template: string, values: TemplateValues): string {
  return template.replace(/\{([A-Za-z][\w.]*)\}/g, (whole, name: string) => {
    if (name.startsWith('fields.')) return values.fields[name.slice('fields.'.length)] ?? whole;
    const value = (values as unknown as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : whole;
  });
}
