import { readFileSync } from 'node:fs';
import { imagePinProblem } from './images';

/** One instruction of a Dockerfile, with continuation lines joined. */
export interface DockerInstruction {
  keyword: string;
  args: string;
  line: number;
}

/** A build stage: its FROM instruction and the instructions up to the next FROM. */
export interface DockerStage {
  image: string;
  alias?: string;
  instructions: DockerInstruction[];
}

/** Splits a Dockerfile into instructions; comments and parser directives are dropped. */
export function parseDockerfile(text: string): DockerInstruction[] {
  const instructions: DockerInstruction[] = [];
  let pending = '';
  let startLine = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) return;
    if (pending !== '' && line.startsWith('#')) return;
    if (pending === '') startLine = index + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = `${pending}${line}`.trim();
    pending = '';
    const [keyword = '', ...rest] = full.split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), line: startLine });
  });
  return instructions;
}

/** Groups instructions into build stages; instructions before the first FROM (ARG) are dropped. */
export function stagesOf(instructions: readonly DockerInstruction[]): DockerStage[] {
  const stages: DockerStage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const parts = instruction.args.split(/\s+/).filter((part) => !part.startsWith('--'));
      const asIndex = parts.findIndex((part) => part.toUpperCase() === 'AS');
      stages.push({
        image: parts[0] ?? '',
        ...(asIndex > 0 ? { alias: parts[asIndex + 1] } : {}),
        instructions: [],
      });
      continue;
    }
    stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

function isExecForm(args: string): string[] | undefined {
  try {
    const value: unknown = JSON.parse(args);
    return Array.isArray(value) && value.every((item) => typeof item === 'string')
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}

const INIT_PROCESSES = ['tini', 'dumb-init'];

/** Checks of an image's final stage that apply to the browser worker only. */
export interface BrowserImageExpectations {
  /** Debian packages the final stage must install. */
  packages: readonly string[];
  /** Environment the final stage must set, name to value. */
  env: Record<string, string>;
}

function checkStages(label: string, stages: DockerStage[]): string[] {
  const problems: string[] = [];
  if (stages.length < 2) problems.push(`${label}: not a multi-stage build`);
  const aliases = new Set<string>();
  for (const stage of stages) {
    if (!aliases.has(stage.image)) {
      const pinProblem = imagePinProblem(stage.image);
      if (pinProblem) problems.push(`${label}: FROM ${pinProblem}`);
    }
    if (stage.alias) aliases.add(stage.alias);
  }
  return problems;
}

function checkFinalStage(
  label: string,
  final: DockerStage,
  expectations?: BrowserImageExpectations,
): string[] {
  const problems: string[] = [];
  const of = (keyword: string) =>
    final.instructions.filter((instruction) => instruction.keyword === keyword);

  const user = of('USER').at(-1)?.args.split(':')[0];
  if (user === undefined || user === 'root' || user === '0') {
    problems.push(`${label}: the final stage does not switch to a non-root USER`);
  } else if (!/^[1-9][0-9]*$/.test(user)) {
    problems.push(
      `${label}: USER ${user} is not numeric, so Kubernetes cannot verify runAsNonRoot`,
    );
  }

  const entrypoint = isExecForm(of('ENTRYPOINT').at(-1)?.args ?? '');
  const init = entrypoint?.[0]?.split('/').at(-1);
  if (!init || !INIT_PROCESSES.includes(init)) {
    problems.push(
      `${label}: ENTRYPOINT is not an init process (${INIT_PROCESSES.join(' or ')}) in exec form`,
    );
  }
  const cmd = of('CMD').at(-1);
  if (cmd && !isExecForm(cmd.args)) problems.push(`${label}: CMD is not in exec (JSON) form`);

  if (!of('COPY').some((instruction) => instruction.args.includes('--from='))) {
    problems.push(`${label}: the final stage copies nothing from a build stage`);
  }

  if (expectations) {
    const runs = of('RUN')
      .map((instruction) => instruction.args)
      .join(' ');
    for (const name of expectations.packages) {
      if (!new RegExp(`apt-get install[^&;]*\\s${name}(\\s|$)`).test(runs)) {
        problems.push(`${label}: the final stage does not install the Debian package ${name}`);
      }
    }
    const env = of('ENV')
      .map((instruction) => instruction.args)
      .join(' ');
    for (const [name, value] of Object.entries(expectations.env)) {
      if (!new RegExp(`(^|\\s)${name}=${value}(\\s|$)`).test(env)) {
        problems.push(`${label}: the final stage does not set ${name}=${value}`);
      }
    }
  }
  return problems;
}

/**
 * Checks a service's Dockerfile. The build must have several stages, pinned base images and an
 * install of production dependencies only (pnpm deploy or install with --prod). Its final stage
 * must copy the build output from an earlier stage and run a numeric non-root user under tini or
 * dumb-init.
 */
export function checkDockerfile(
  file: string,
  service: string,
  expectations?: BrowserImageExpectations,
): string[] {
  const label = file.split('/').slice(-3).join('/');
  const instructions = parseDockerfile(readFileSync(file, 'utf8'));
  const stages = stagesOf(instructions);
  const final = stages.at(-1);
  if (!final) return [`${label}: no FROM instruction`];

  const problems = checkStages(label, stages);
  const runs = instructions
    .filter((instruction) => instruction.keyword === 'RUN')
    .map((instruction) => instruction.args);
  const prodInstall = runs.some(
    (run) =>
      run.includes(`@orderflow/${service}`) &&
      /\bpnpm\b.*\b(deploy|install)\b/.test(run) &&
      /--prod\b/.test(run),
  );
  if (!prodInstall) {
    problems.push(
      `${label}: no RUN installs @orderflow/${service} with production dependencies only (pnpm deploy --prod)`,
    );
  }
  problems.push(...checkFinalStage(label, final, expectations));
  return problems;
}
