import { matchesGlob } from '@orderflow/url-policy';
import type { Recipe } from './recipe';
import type { RecipeMatch } from './recipe-schema';

function matches(match: RecipeMatch, url: URL): boolean {
  const host = url.hostname;
  if (!match.hosts.some((glob) => matchesGlob(host, glob))) return false;
  if (!match.paths) return true;
  const path = url.pathname;
  return match.paths.some((glob) => matchesGlob(path, glob));
}

/** Picks the first recipe whose host (and path, when given) globs match the link, else `fallback`. */
export function selectRecipe(recipes: Recipe[], fallback: Recipe, orderUrl: string): Recipe {
  const url = new URL(orderUrl);
  return recipes.find((recipe) => recipe.match && matches(recipe.match, url)) ?? fallback;
}
