/** Compiled globs by their text; globs come from configuration and recipes, so they are few. */
const compiled = new Map<string, RegExp>();

/** Bound on {@link compiled}, so that globs built from input could never grow it without end. */
const MAX_COMPILED = 1_000;

function compile(glob: string): RegExp {
  const escaped = glob
    .trim()
    .toLowerCase()
    .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

/**
 * Tells whether `text` matches `glob`, in which `*` stands for any run of characters. Case and
 * the glob's surrounding spaces do not matter. A glob is compiled once and then reused: checks
 * run for every item, and compiling on each one cost more than the check.
 */
export function matchesGlob(text: string, glob: string): boolean {
  let pattern = compiled.get(glob);
  if (!pattern) {
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    pattern = compile(glob);
    compiled.set(glob, pattern);
  }
  return pattern.test(text.toLowerCase());
}
