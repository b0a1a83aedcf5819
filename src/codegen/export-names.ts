/** The subset of an ESTree Program that export names are read from. */
interface Program {
  body: Array<{
    type: string;
    declaration?: { type: string; id?: { name: string } | null; declarations?: Array<{ id: { type: string; name?: string } }> } | null;
    specifiers?: Array<{ exported: { type: string; name?: string; value?: unknown } }>;
  }>;
}

/**
 * The named exports of the glue module (without `default`), from its AST. The glue's
 * init machinery (`initSync`) is left out: the crate module exports it (and `default`)
 * separately (see INIT_EXPORTS in crate-module.ts).
 */
export function exportNames(ast: Program): string[] {
  const names: string[] = [];
  for (const node of ast.body) {
    if (node.type !== "ExportNamedDeclaration") continue;
    const declaration = node.declaration;
    if (declaration?.id?.name) names.push(declaration.id.name);
    for (const variable of declaration?.declarations ?? []) if (variable.id.name) names.push(variable.id.name);
    for (const specifier of node.specifiers ?? []) if (specifier.exported.name) names.push(specifier.exported.name);
  }
  return names.filter((name) => name !== "default" && name !== "initSync");
}
