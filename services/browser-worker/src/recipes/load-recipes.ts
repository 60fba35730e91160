import { readdir, readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { Recipe } from './recipe';
import { recipeMatchSchema, stepRecipeSchema } from './recipe-schema';
import { compileStepRecipe } from './step-recipe';

const DATA_EXTENSIONS = new Set(['.json', '.yaml', '.yml']);
const CODE_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);

/** Raised at start-up when recipe files are invalid; each problem names the file and the step. */
export class RecipeLoadError extends Error {
  override name = 'RecipeLoadError';

  constructor(readonly problems: string[]) {
    super(`invalid recipes:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

/** Spells a zod issue path the way the file reads, such as `steps[2].selector`. */
function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((part, index) => {
      if (typeof part === 'number') return `[${part}]`;
      return index === 0 ? String(part) : `.${String(part)}`;
    })
    .join('');
}

function describeIssues(file: string, error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = formatPath(issue.path);
    return `${file}: ${path || 'recipe'}: ${issue.message}`;
  });
}

async function loadDataRecipe(file: string, path: string): Promise<Recipe | string[]> {
  let data: unknown;
  try {
    const text = await readFile(path, 'utf8');
    data = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    return [`${file}: cannot be parsed: ${(error as Error).message.split('\n')[0]}`];
  }
  const parsed = stepRecipeSchema.safeParse(data);
  if (!parsed.success) return describeIssues(file, parsed.error);
  return compileStepRecipe(parsed.data, file);
}

async function loadCodeRecipe(file: string, path: string): Promise<Recipe | string[]> {
  const module = (await import(pathToFileURL(path).href)) as { default?: Partial<Recipe> };
  const recipe = module.default;
  if (!recipe || typeof recipe.name !== 'string' || typeof recipe.run !== 'function') {
    return [`${file}: the default export must be a recipe with a name and a run function`];
  }
  if (recipe.match !== undefined) {
    const match = recipeMatchSchema.safeParse(recipe.match);
    if (!match.success) return describeIssues(file, match.error);
  }
  return { ...(recipe as Recipe), source: file };
}

/**
 * Loads every recipe file of `dir` in file-name order, with code recipes passed in directly
 * placed first. A file without `match` replaces the built-in default recipe. Throws a
 * {@link RecipeLoadError} listing every invalid file.
 */
export async function loadRecipes(
  dir: string | undefined,
  builtInDefault: Recipe,
  codeRecipes: Recipe[] = [],
): Promise<{ recipes: Recipe[]; fallback: Recipe }> {
  const recipes = [...codeRecipes];
  const fallbacks: Recipe[] = [];
  const problems: string[] = [];
  const files = dir ? (await readdir(dir)).sort() : [];
  for (const file of files) {
    const extension = extname(file);
    const path = resolve(join(dir ?? '.', file));
    let loaded: Recipe | string[];
    if (DATA_EXTENSIONS.has(extension)) loaded = await loadDataRecipe(file, path);
    else if (CODE_EXTENSIONS.has(extension) && !file.endsWith('.d.ts')) {
      loaded = await loadCodeRecipe(file, path);
    } else continue;
    if (Array.isArray(loaded)) problems.push(...loaded);
    else if (loaded.match) recipes.push(loaded);
    else fallbacks.push(loaded);
  }
  if (fallbacks.length > 1) {
    problems.push(
      `${fallbacks.map((recipe) => recipe.source).join(', ')}: only one recipe may omit match`,
    );
  }
  if (problems.length > 0) throw new RecipeLoadError(problems);
  return { recipes, fallback: fallbacks[0] ?? builtInDefault };
}
