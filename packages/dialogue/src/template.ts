import { TEMPLATE_PLACEHOLDER } from '@visemo/core';

/** Fills `{name}` placeholders from `values`; null when any placeholder has no value. */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string | null {
  let missing = false;
  const text = template.replace(TEMPLATE_PLACEHOLDER, (_, name: string) => {
    const value = values[name];
    if (value === undefined) {
      missing = true;
      return '';
    }
    return value;
  });
  return missing ? null : text;
}

export function hasPlaceholders(template: string): boolean {
  return new RegExp(TEMPLATE_PLACEHOLDER.source).test(template);
}
