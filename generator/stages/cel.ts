// Translates the CEL rules (x-kubernetes-validations) that values.schema.json must also enforce.
// A rule the generator cannot translate stops generation: an unenforced rule must never slip in.
import type { CelRule, SchemaNode } from './normalise.ts';

/** `!(self.a && self.b)`: the two boolean fields are never both true. */
export interface MutuallyExclusiveRule {
  readonly kind: 'mutuallyExclusive';
  readonly fields: readonly [string, string];
  /** The field the schema error points at (CEL fieldPath, else the second field). */
  readonly errorField: string;
  readonly message: string;
}

export type TranslatedRule = MutuallyExclusiveRule;

export class CelTranslationError extends Error {}

const notBothPattern = /^!\(self\.([A-Za-z_][A-Za-z0-9_]*)&&self\.([A-Za-z_][A-Za-z0-9_]*)\)$/;

export function translateRule(rule: CelRule, node: SchemaNode): TranslatedRule {
  const compact = rule.rule.replace(/\s+/g, '');
  const notBoth = notBothPattern.exec(compact);
  if (notBoth?.[1] && notBoth[2]) {
    const fields = [notBoth[1], notBoth[2]] as const;
    for (const field of fields) {
      if (node.properties?.[field]?.type !== 'boolean') {
        throw new CelTranslationError(
          `${node.location}: x-kubernetes-validations rule "${rule.rule}" names self.${field}, which is not a boolean property here`,
        );
      }
    }
    const errorField = fieldFromPath(rule, node) ?? fields[1];
    return {
      kind: 'mutuallyExclusive',
      fields,
      errorField,
      message: rule.message ?? `${fields[0]} and ${fields[1]} are mutually exclusive`,
    };
  }
  throw new CelTranslationError(
    `${node.location}: cannot translate x-kubernetes-validations rule "${rule.rule}" into values.schema.json. ` +
      'Teach generator/stages/cel.ts this rule shape (supported: "!(self.a && self.b)" on boolean fields), ' +
      'or express it with plain schema keywords, so that helm install enforces it too.',
  );
}

/** `.mountOnload` → `mountOnload`; undefined without fieldPath; error for paths it cannot use. */
function fieldFromPath(rule: CelRule, node: SchemaNode): string | undefined {
  if (rule.fieldPath === undefined) return undefined;
  const match = /^\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(rule.fieldPath);
  const field = match?.[1];
  if (!field || !node.properties?.[field]) {
    throw new CelTranslationError(
      `${node.location}: fieldPath "${rule.fieldPath}" of rule "${rule.rule}" must name a direct property (like ".field")`,
    );
  }
  return field;
}
