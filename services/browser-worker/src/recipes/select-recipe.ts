import type { Recipe } from './recipe';
import type { RecipeMatch } from './recipe-schema';

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .trim()
    .toLowerCase()
    .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

function matches(match: RecipeMatch, url: URL): boolean {
  const host = url.hostname.toLowerCase();
  if (!match.hosts.some((glob) => globToRegExp(glob).test(host))) return false;
  if (!match.paths) return true;
  const path = url.pathname.toLowerCase();
  return match.paths.some((glob) => globToRegExp(glob).test(path));
}

/** Picks the first recipe whose host (and path, when given) globs match the link, else `fallback`. */
export function selectRecipe(recipes: Recipe[], fallback: Recipe, orderUrl: string): Recipe {
  const url = new URL(orderUrl);
  return recipes.find((recipe) => recipe.match && matches(recipe.match, url)) ?? fallback;
}
