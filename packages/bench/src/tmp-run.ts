import { runPipelineBenchmark } from './pipeline-bench';
const r = await runPipelineBenchmark(Number(process.argv[2] ?? 20000));
console.log(JSON.stringify(r));
process.exit(0);
