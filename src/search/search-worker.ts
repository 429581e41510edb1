/**
 * Worker-thread entry of the search's scoring pool (workers.ts): rebuilds the spec and fitness config
 * from JSON once, then scores each batch of operators it is sent (fingerprint + fitness) and replies
 * with the scores in order. Errors go back as messages, never as an uncaught exception.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { operatorFromJson, specFromJson } from './serialize.js';
import { fitnessFromJson, loadScorer, scoreWith, type Scorer, type WorkerJob, type WorkerReply, type WorkerSetup } from './workers.js';

const setup = workerData as WorkerSetup;
const spec = specFromJson(setup.spec);
const fitness = setup.fitness ? fitnessFromJson(setup.fitness) : undefined;
const target = setup.target ?? undefined;
let scorer: Promise<Scorer | null> | null = null;

parentPort!.on('message', (job: WorkerJob) => {
  scorer ??= setup.scorer ? loadScorer(setup.scorer) : Promise.resolve(null);
  scorer
    .then((s) => {
      const scores = job.operators.map((j) => scoreWith(s, operatorFromJson(j), spec, fitness, target));
      parentPort!.postMessage({ id: job.id, scores } satisfies WorkerReply);
    })
    .catch((e: unknown) => parentPort!.postMessage({ id: job.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies WorkerReply));
});
