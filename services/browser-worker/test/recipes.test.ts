import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultRecipe } from '../src/recipes/default-recipe';
import { loadRecipes, RecipeLoadError } from '../src/recipes/load-recipes';
import { stepRecipeSchema } from '../src/recipes/recipe-schema';
import { selectRecipe } from '../src/recipes/select-recipe';
import { fillTemplate } from '../src/recipes/template';
import { testConfig } from './support';

const FIXTURES = fileURLToPath(new URL('./fixtures/recipes', import.meta.url));
const config = testConfig('nats://127.0.0.1:4222');
const dirs: string[] = [];

async function recipeDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'orderflow-recipes-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

async function loadProblems(files: Record<string, string>): Promise<string[]> {
  try {
    await loadRecipes(await recipeDir(files), defaultRecipe(config));
  } catch (error) {
    if (error instanceof RecipeLoadError) return error.problems;
    throw error;
  }
  return [];
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('recipe loading', () => {
  it('loads yaml, json and typescript recipes', async () => {
    const { recipes, fallback } = await loadRecipes(FIXTURES, defaultRecipe(config));
    const names = recipes.map((recipe) => recipe.name);
    expect(names).toEqual(['coded-shop', 'form-shop', 'iframe-shop', 'no-verify']);
    expect(fallback.name).toBe('default');
  });

  it('names the file and step of an invalid step', async () => {
    const problems = await loadProblems({
      'shop.yaml': [
        'name: shop',
        'match: { hosts: [shop.test] }',
        'steps:',
        '  - action: goto',
        '  - action: click',
        '  - action: extract',
        '    selector: "#n"',
        '    into: orderNumber',
      ].join('\n'),
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^shop\.yaml: steps\[1\]\.selector: /);
  });

  it('names an unknown action', async () => {
    const problems = await loadProblems({
      'shop.json': JSON.stringify({
        name: 'shop',
        match: { hosts: ['shop.test'] },
        steps: [{ action: 'pay', selector: '#pay' }],
      }),
    });
    expect(problems[0]).toMatch(/^shop\.json: steps\[0\]\.action: /);
  });

  it('requires an order number extraction', async () => {
    const problems = await loadProblems({
      'shop.yaml': 'name: shop\nmatch: { hosts: [shop.test] }\nsteps:\n  - action: goto\n',
    });
    expect(problems).toEqual([
      'shop.yaml: steps: no step extracts into orderNumber; add an extract step with into: orderNumber',
    ]);
  });

  it('rejects an effect step in verify', async () => {
    const problems = await loadProblems({
      'shop.yaml': [
        'name: shop',
        'match: { hosts: [shop.test] }',
        'steps: [{ action: extract, selector: "#n", into: orderNumber }]',
        'verify:',
        '  - { action: click, selector: "#pay", effect: true }',
        '  - { action: extract, selector: "#n", into: orderNumber }',
      ].join('\n'),
    });
    expect(problems).toEqual([
      'shop.yaml: verify[0].effect: a verify step must not change the site',
    ]);
  });

  it('rejects an invalid pattern and unparsable yaml', async () => {
    const problems = await loadProblems({
      'a.yaml':
        'name: a\nsteps: [{ action: extract, selector: "#n", into: orderNumber, pattern: "(" }]',
      'b.yaml': 'name: [unclosed',
    });
    expect(problems[0]).toBe('a.yaml: steps[0].pattern: must be a valid regular expression');
    expect(problems[1]).toMatch(/^b\.yaml: cannot be parsed: /);
  });

  it('accepts the default recipe definition', async () => {
    const { defaultRecipeDefinition } = await import('../src/recipes/default-recipe');
    expect(stepRecipeSchema.safeParse(defaultRecipeDefinition(config)).success).toBe(true);
  });
});

describe('recipe selection', () => {
  it('matches host and path globs in order', async () => {
    const { recipes, fallback } = await loadRecipes(FIXTURES, defaultRecipe(config));
    const pick = (url: string) => selectRecipe(recipes, fallback, url).name;
    expect(pick('http://127.0.0.1:8080/orders/iframe-1')).toBe('iframe-shop');
    expect(pick('http://127.0.0.1:8080/orders/coded-1')).toBe('coded-shop');
    expect(pick('http://127.0.0.1:8080/orders/standard-1')).toBe('default');
    expect(pick('https://127.0.0.2/orders/iframe-1')).toBe('default');
  });
});

describe('fillTemplate', () => {
  it('fills item values and fields', () => {
    const values = {
      orderUrl: 'https://shop.test/o/1',
      amount: '12.50',
      itemId: 'item',
      batchId: 'batch',
      fields: { code: 'X1' },
    };
    expect(fillTemplate('{orderUrl}?a={amount}&c={fields.code}&u={unknown}', values)).toBe(
      'https://shop.test/o/1?a=12.50&c=X1&u={unknown}',
    );
  });
});
