/**
 * `kasc place --loads FILE --slots R --groups G --nodes N --gpus P [--policy NAME] [--json]`: expert
 * placement for measured loads, without a .kas file. FILE is JSON `[[load per expert] per layer]` or
 * CSV (one layer per line). Prints, per layer, phy2log (slot → expert; slot s on GPU floor(s/(R/P))),
 * replica counts, per-GPU load and imbalance = max/mean; `--json` prints
 * `{ "layers": [ { "phy2log", "replicas", "gpuLoads", "imbalance", "bound" } ], … }`.
 * Bad input is a diagnostic (KAS055x) on stderr and exit code 1.
 */
import { createProgress } from '../progress.js';
import * as fs from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { DiagnosticSink } from '../../diagnostics/diagnostic.js';
import { report } from '../../diagnostics/codes.js';
import { renderDiagnostics } from '../../diagnostics/render.js';
import { styleFor, type CommandRegistration } from '../shared.js';

const count = (name: string) => (v: string) => {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive whole number`);
  return n;
};

interface PlaceOptions {
  loads: string;
  slots: number;
  groups: number;
  nodes: number;
  gpus: number;
  policy: string;
  json?: boolean;
  topk?: number;
  pairBytes?: number;
}

export const registerPlace: CommandRegistration = (program, setExit) => {
  program
    .command('place')
    .description('place experts on GPUs for measured loads (EPLB or kasc\'s default policy)')
    .requiredOption('--loads <file>', 'expert loads: JSON [[load per expert] per layer] or CSV (a layer per line)')
    .requiredOption('--slots <R>', 'physical expert slots in all (a multiple of --gpus)', count('--slots'))
    .requiredOption('--groups <G>', 'expert groups', count('--groups'))
    .requiredOption('--nodes <N>', 'nodes', count('--nodes'))
    .requiredOption('--gpus <P>', 'GPUs', count('--gpus'))
    .option('--policy <name>', 'default, eplb or traffic (traffic-aware: replicas may leave their node; prints Pareto points)', 'default')
    .option('--topk <K>', 'traffic: routed experts per token, to turn the off-node fraction into bytes', count('--topk'))
    .option('--pair-bytes <B>', 'traffic: bytes one token-expert pair moves over IB (dispatch + combine)', count('--pair-bytes'))
    .option('--json', 'print JSON')
    .action(async (opts: PlaceOptions) => {
      const { placeLayers, checkLayout, parseLoads, POLICIES } = await import('../../placement/index.js');
      const sink = new DiagnosticSink();
      const fail = () => {
        process.stderr.write(renderDiagnostics(sink.items, () => undefined, styleFor(process.stderr)));
        setExit(1);
      };
      if (!(POLICIES as readonly string[]).includes(opts.policy)) {
        report(sink, 'placementLayout', { detail: `unknown policy \`${opts.policy}\`` }, undefined, { help: `choose one of ${POLICIES.map((p) => '`' + p + '`').join(', ')}` });
        return fail();
      }
      let text: string;
      try {
        text = fs.readFileSync(opts.loads, 'utf8');
      } catch (e) {
        report(sink, 'placementLoadsUnreadable', { path: opts.loads, detail: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message }, undefined, { help: 'give the path of a JSON or CSV file of expert loads' });
        return fail();
      }
      const parsed = parseLoads(text, opts.loads);
      if (!parsed.ok) {
        report(sink, 'placementLoadsUnreadable', { path: opts.loads, detail: parsed.message }, undefined, { help: parsed.help });
        return fail();
      }
      const layout = { slots: opts.slots, groups: opts.groups, nodes: opts.nodes, gpus: opts.gpus };
      const problem = checkLayout(layout, parsed.loads[0]!.length);
      if (problem) {
        report(sink, 'placementLayout', { detail: problem.message }, undefined, { help: problem.help });
        return fail();
      }
      if (opts.policy === 'traffic' && opts.groups % opts.nodes !== 0) {
        report(sink, 'placementTrafficNeedsGroups', { groups: opts.groups, nodes: opts.nodes }, undefined, { help: 'use `--policy default`, or a group count that is a multiple of the node count' });
        return fail();
      }
      const progress = createProgress('placing', { json: opts.json });
      const r = placeLayers(parsed.loads, layout, opts.policy as (typeof POLICIES)[number], (done, total) => progress.update(done, total, 'layers'));
      progress.finish();
      const bytes = opts.topk !== undefined && opts.pairBytes !== undefined ? opts.topk * opts.pairBytes : undefined;
      const pareto = r.pareto?.map((p) => ({ ...p, ...(bytes !== undefined ? { ibBytesPerToken: p.offNodeFraction * bytes } : {}) }));
      if (opts.json) {
        const out = { policy: opts.policy, ...layout, imbalance: r.imbalance, maxImbalance: r.maxImbalance, bound: r.bound, layers: r.layers, ...(pareto ? { pareto } : {}) };
        process.stdout.write(JSON.stringify(out, null, 2) + '\n');
        return;
      }
      const lines: string[] = [];
      const perGpu = layout.slots / layout.gpus;
      lines.push(`policy ${opts.policy}: ${parsed.loads.length} layer${parsed.loads.length === 1 ? '' : 's'}, ${parsed.loads[0]!.length} experts, ${layout.slots} slots on ${layout.gpus} GPUs (${perGpu} each), ${layout.groups} groups, ${layout.nodes} nodes`);
      r.layers.forEach((l, i) => {
        lines.push('', `layer ${i}: imbalance ${l.imbalance.toFixed(4)} (lower bound ${l.bound.toFixed(4)})`);
        lines.push(`  phy2log   ${Array.from({ length: layout.gpus }, (_, g) => l.phy2log.slice(g * perGpu, (g + 1) * perGpu).join(' ')).join(' | ')}`);
        lines.push(`  replicas  ${l.replicas.join(' ')}`);
        lines.push(`  gpu loads ${l.gpuLoads.map((x) => fmt(x)).join(' ')}`);
      });
      lines.push('', `mean imbalance ${r.imbalance.toFixed(4)}, worst ${r.maxImbalance.toFixed(4)}, mean lower bound ${r.bound.toFixed(4)}`);
      if (pareto) {
        lines.push('', 'traffic-aware Pareto points (off-node slots per layer, mean imbalance, off-node share of routed tokens' + (bytes !== undefined ? ', extra IB bytes per token' : '') + '):');
        for (const p of pareto) lines.push(`  ${p.offNodeSlots}  ${p.imbalance.toFixed(4)}  ${(p.offNodeFraction * 100).toFixed(2)}%` + (p.ibBytesPerToken !== undefined ? `  ${fmt(p.ibBytesPerToken)} B` : ''));
      }
      process.stdout.write(lines.join('\n') + '\n');
    });
};

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(Math.abs(x) >= 100 ? 1 : 3);
}
