/**
 * Loss-free load balancing (LFB; V3TR §2.1.2): the model's bias controller simulated on the
 * deployment's synthetic routing (`balance_sim { … }`), against no balancing and an
 * auxiliary-loss-style reweighting, with MaxVio per batch over the steps and at steady state; warns
 * when the declared rate u cannot converge within the horizon or swings the loads past the tolerance.
 * The simulation and its model are in src/cost/balance-sim.ts.
 */
import type { Moe } from '../ir/model.js';
import { report } from '../diagnostics/codes.js';
import { biasStepsToBalance, biasSwing, initialPopularity, simulateBalanceAll, type BalanceSimSpec, type Controller } from '../cost/balance-sim.js';
import { int, percent } from '../emit/report/format.js';
import { deploymentSpan, type DeploymentPass } from './pass.js';

export interface ControllerResult {
  readonly method: 'none' | 'bias_update' | 'aux_loss';
  /** u for bias_update, α for aux_loss. */
  readonly rate: number | null;
  /** True for the model's own method. */
  readonly declared: boolean;
  readonly steadyMaxVio: number;
  readonly finalMaxVio: number;
  /** First step (1-based) whose batch MaxVio is within the tolerance; null if none. */
  readonly stepsToTolerance: number | null;
  /** Mean |logit shift| put into the gate values (the quality cost LFB avoids); 0 for none and bias. */
  readonly gateShift: number;
  /** MaxVio of the batch at steps 1, 10, 100, … and the last. */
  readonly checkpoints: readonly { readonly step: number; readonly maxVio: number }[];
}

export interface BalanceResult {
  readonly declared: Moe['balance'];
  readonly sim: BalanceSimSpec & { readonly tolerance: number };
  readonly controllers: readonly ControllerResult[];
  /** Estimates for the bias controller (src/cost/balance-sim.ts); null without bias_update. */
  readonly estimate: { readonly stepsToBalance: number; readonly swing: number; readonly largestRateWithinTolerance: number } | null;
}

function checkpointSteps(steps: number): number[] {
  const out: number[] = [];
  for (let s = 1; s < steps; s *= 10) out.push(s);
  out.push(steps);
  return out;
}

const METHOD: Record<Controller['kind'], ControllerResult['method']> = { none: 'none', bias: 'bias_update', aux: 'aux_loss' };

export const balancePass: DeploymentPass<BalanceResult> = {
  name: 'balance',
  title: 'Load balancing',
  run(d, ctx) {
    if (d.kind !== 'train' || !d.model.moe) return undefined;
    const moe = d.model.moe;
    const s = d.balanceSim;
    const spec: BalanceSimSpec = { experts: moe.routed, topK: moe.topK, tokens: s.tokens, steps: s.steps, skew: s.skew, drift: s.drift, seed: s.seed };
    const b = moe.balance;
    // The auxiliary-loss-style comparison takes the model's α, or, beside bias_update, α = u: steps of
    // the same size, proportional to the overload instead of its sign.
    const controllers: Controller[] = [{ kind: 'none' }];
    if (b.kind === 'bias_update') controllers.push({ kind: 'bias', rate: b.rate }, { kind: 'aux', alpha: b.rate });
    if (b.kind === 'aux_loss') controllers.push({ kind: 'aux', alpha: b.alpha });
    const traces = simulateBalanceAll(spec, controllers);
    const results = controllers.map((c, i): ControllerResult => {
      const tr = traces[i]!;
      const first = tr.firstWithin(s.tolerance);
      return {
        method: METHOD[c.kind],
        rate: c.kind === 'bias' ? c.rate : c.kind === 'aux' ? c.alpha : null,
        declared: METHOD[c.kind] === b.kind,
        steadyMaxVio: tr.steadyMaxVio,
        finalMaxVio: tr.maxVio[s.steps - 1]!,
        stepsToTolerance: first === null ? null : first + 1,
        gateShift: tr.gateShift,
        checkpoints: checkpointSteps(s.steps).map((step) => ({ step, maxVio: tr.maxVio[step - 1]! })),
      };
    });

    let estimate: BalanceResult['estimate'] = null;
    let warned = false;
    if (b.kind === 'bias_update') {
      const beta = initialPopularity(spec);
      const stepsToBalance = biasStepsToBalance(beta, moe.routed, moe.topK, b.rate);
      const swing = biasSwing(beta, moe.routed, moe.topK, b.rate);
      const largest = (s.tolerance * b.rate) / swing;
      estimate = { stepsToBalance, swing, largestRateWithinTolerance: largest };
      const rate = String(b.rate);
      if (stepsToBalance > s.steps) {
        warned = true;
        report(ctx.sink, 'balanceTooSlow', { rate, steps: int(Math.ceil(stepsToBalance)), horizon: int(s.steps) }, deploymentSpan(d, 'balance_sim.steps'), {
          help: `u ≥ ${(b.rate * stepsToBalance / s.steps).toPrecision(2)} balances within ${int(s.steps)} steps; or lengthen \`balance_sim { steps }\``,
        });
      }
      if (swing > s.tolerance) {
        warned = true;
        report(ctx.sink, 'balanceOscillates', { rate, swing: percent(swing, 1), tolerance: percent(s.tolerance, 1) }, deploymentSpan(d, 'balance_sim.tolerance'), {
          help: `u ≤ ${largest.toPrecision(2)} keeps the swing within the tolerance`,
        });
      }
    }
    // Only the loss-free controller promises the tolerance: an auxiliary loss trades balance against
    // quality by its α, and its simulated gain here is an interpretation (src/cost/balance-sim.ts).
    const own = results.find((r) => r.declared && r.method === 'bias_update');
    if (!warned && own && own.steadyMaxVio > s.tolerance) {
      report(ctx.sink, 'balanceNotReached', { method: `\`${own.method}\``, maxVio: own.steadyMaxVio.toFixed(3), tolerance: s.tolerance.toFixed(3) }, deploymentSpan(d, 'balance_sim'), {
        help: 'larger batches (`balance_sim { tokens }`) lower the sampling noise; slower drift or a different rate may help too',
      });
    }
    return { declared: b, sim: { ...spec, tolerance: s.tolerance }, controllers: results, estimate };
  },
  toJson(r) {
    return r;
  },
  toMarkdown(r) {
    const s = r.sim;
    const label = (c: ControllerResult) => (c.method === 'none' ? 'none' : c.method === 'bias_update' ? `bias_update (u = ${c.rate})` : `aux-loss-style (α = ${c.rate})`) + (c.declared ? ' — declared' : '');
    const out = [
      `Synthetic routing: ${s.experts} experts, top-${s.topK}, ${int(s.tokens)} tokens per batch, ${int(s.steps)} steps; popularity skew ${s.skew}, drift ${s.drift} per step, seed ${s.seed}; tolerance MaxVio ${s.tolerance}.`,
      '',
      `| method | steady MaxVio | first batch ≤ ${s.tolerance} | gate shift | ${r.controllers[0]!.checkpoints.map((c) => `step ${int(c.step)}`).join(' | ')} |`,
      `|---|---:|---:|---:|${r.controllers[0]!.checkpoints.map(() => '---:').join('|')}|`,
      ...r.controllers.map(
        (c) => `| ${label(c)} | ${c.steadyMaxVio.toFixed(3)} | ${c.stepsToTolerance === null ? 'never' : `step ${int(c.stepsToTolerance)}`} | ${c.gateShift.toFixed(3)} | ${c.checkpoints.map((p) => p.maxVio.toFixed(3)).join(' | ')} |`,
      ),
      '',
      'MaxVio = max load / mean load − 1 per batch (LFB); steady = mean over the last quarter of the steps; gate shift = mean |logit change| the method puts into the gate values (bias_update changes selection only).',
    ];
    if (r.estimate) {
      out.push(
        '',
        `Bias controller estimates: about ${int(Math.ceil(r.estimate.stepsToBalance))} steps to balance from zero bias; at balance each step swings an expert's load by up to ${percent(r.estimate.swing, 1)} of the mean; u ≤ ${r.estimate.largestRateWithinTolerance.toPrecision(2)} keeps that within the tolerance.`,
      );
    }
    return out.join('\n');
  },
};
