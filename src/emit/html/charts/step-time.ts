/**
 * Where a training step's time goes (`train.step`): compute, all-to-all and other communication left
 * exposed, the pipeline bubble, the data-parallel gradient sync and the optimizer update.
 */
import type { DeploymentJson } from '../data.js';
import { isObject, numberAt } from '../data.js';
import { CHART_WIDTH, chartId, withTheme, type Chart } from './chart.js';

/**
 * The step split in seconds. The train pass gives busy time, bubble, sync and optimizer
 * (step.seconds = busy + bubble + sync + optimizer) and per micro-batch the chunks' compute and
 * communication; the busy time is split into compute (micro-batches × the chunks' compute) and the
 * communication left exposed (the rest). With DualPipe the chunk times are compute alone.
 */
export function stepParts(d: DeploymentJson): { part: string; seconds: number }[] {
  const step = (d as Record<string, unknown>)['train'] !== undefined ? numberAt((d as Record<string, unknown>)['train'], 'step.seconds') : undefined;
  if (step === undefined) return [];
  const s = (d as Record<string, unknown>)['train'] as Record<string, unknown>;
  const n = (p: string) => numberAt(s, `step.${p}`) ?? 0;
  const busy = n('pipelineBusy');
  const overlapped = isObject(s['step']) && s['step']['overlapped'] === true;
  const comm = n('comm.allToAllForward') + n('comm.allToAllBackward') + 2 * n('comm.tensorParallelPerChunk') + 2 * n('comm.pipelineP2pPerChunk');
  const chunks = n('chunk.forward') + n('chunk.backwardInput') + n('chunk.backwardWeight');
  const computePerMicroBatch = overlapped ? chunks : Math.max(0, chunks - comm);
  const compute = Math.min(busy, n('microBatches') * computePerMicroBatch);
  return [
    { part: 'compute', seconds: compute },
    { part: 'exposed communication', seconds: busy - compute },
    { part: 'pipeline bubble', seconds: n('bubble') },
    { part: 'data-parallel sync', seconds: n('dataParallelSync.seconds') },
    { part: 'optimizer', seconds: n('optimizer') },
  ].filter((p) => p.seconds > 0);
}

export function stepTimeChart(name: string, d: DeploymentJson): Chart | undefined {
  const parts = stepParts(d);
  if (parts.length === 0) return undefined;
  const total = parts.reduce((s, p) => s + p.seconds, 0);
  const mfu = numberAt((d as Record<string, unknown>)['train'], 'mfu.nonCausal');
  const values = parts.map((p, order) => ({ bar: 'one step', part: p.part, order, seconds: p.seconds, share: p.seconds / total }));
  return {
    id: chartId('step', name),
    title: 'Step time',
    caption: `One optimizer step: ${total.toFixed(2)} s${mfu !== undefined ? `, MFU ${(mfu * 100).toFixed(1)}%` : ''}. Compute is the micro-batches' GEMM and attention time on the busiest stage; exposed communication is what overlap leaves uncovered.`,
    spec: withTheme({
      width: CHART_WIDTH,
      height: 56,
      data: { values },
      layer: [
        {
          mark: { type: 'bar', height: 26 },
          encoding: {
            y: { field: 'bar', type: 'nominal', title: null, axis: null },
            x: { field: 'seconds', type: 'quantitative', stack: 'zero', title: 'seconds' },
            color: { field: 'part', type: 'nominal', title: null, sort: values.map((v) => v.part), scale: { range: ['#0072B2', '#E69F00', '#999999', '#CC79A7', '#009E73'] } },
            order: { field: 'order', type: 'ordinal' },
          },
        },
      ],
    }),
  };
}
