/**
 * What a declaration costs, for hover: a model's parameters, FLOPs per token and KV cache; a GPU's,
 * node's or cluster's headline figures. Each declaration is lowered on its own, so a model can be
 * summed up while another declaration in the program still has errors.
 */
import type * as A from '../syntax/ast.js';
import type { CompileResult } from '../passes/index.js';
import { Lowerer } from '../ir/lower.js';
import { analyzeModel, type ModelAnalysis } from '../passes/analyze.js';
import { attentionParams } from '../cost/params.js';
import { networkReport } from '../cost/network.js';
import { count, int, si } from '../emit/report/format.js';
import type { CheckedDecl } from '../semantics/evaluate.js';

const lowerers = new WeakMap<CompileResult, Lowerer>();

function lowerer(result: CompileResult): Lowerer | undefined {
  if (!result.checked) return undefined;
  let l = lowerers.get(result);
  if (!l) lowerers.set(result, (l = new Lowerer(result.checked)));
  return l;
}

function checkedDecl(result: CompileResult, decl: A.BlockDecl): CheckedDecl | undefined {
  return result.checked?.byDecl.get(decl);
}

/** The model's cost analysis, or undefined while its own errors leave it incomplete. */
export function modelFigures(result: CompileResult, decl: A.BlockDecl): ModelAnalysis | undefined {
  // In a program without errors, the IR has the model already, with the deployments that fix its
  // sequence length; otherwise lower the model alone.
  const span = decl.name.span;
  const inIr = result.ir?.models.find((m) => m.span.file === span.file && m.span.start === span.start);
  if (inIr) return analyzeModel(inIr, result.ir!.deployments);
  const l = lowerer(result);
  const d = checkedDecl(result, decl);
  if (!l || !d || d.keyword !== 'model') return undefined;
  const model = l.tryLower(() => l.model(d));
  return model ? analyzeModel(model, []) : undefined;
}

export function modelLines(m: ModelAnalysis): string[] {
  const p = m.params;
  const f = m.flops;
  const kv = m.kvCache;
  const lines = [
    `- parameters: **${count(p.total)}** total (${int(p.total)}), **${count(p.activated)}** activated per token`,
    `- FLOPs per token: ${si(f.forwardPerToken, 'FLOP')} forward, ${si(f.trainPerToken, 'FLOP')} training (sequence ${int(f.sequence)}${m.sequenceFrom === 'default' ? ', the default' : `, from ${m.sequenceFrom}`})`,
    `- KV cache per token: ${si(kv.bytesPerToken.bf16, 'B')} in bf16 (${int(kv.elementsPerTokenPerLayer)} elements per layer × ${m.model.layers} layers)`,
  ];
  if (p.mtp) lines.push(`- MTP: ${count(p.mtp.unique)} more parameters (depth ${p.mtp.depth}), not in the total`);
  return lines;
}

/** Figures for a nested block or a variant of a model: `moe`, `attention = mla`, `mtp`. */
export function modelPartLines(m: ModelAnalysis, part: string): string[] {
  const p = m.params;
  switch (part) {
    case 'moe':
      if (!m.model.moe) return [];
      return [
        `- ${p.moeLayers} MoE layers, ${p.denseLayers} dense`,
        `- experts: ${count(p.breakdown.experts + p.breakdown.sharedExperts)} parameters, ${count(p.activatedBreakdown.experts + p.activatedBreakdown.sharedExperts)} activated per token`,
        `- router: ${count(p.breakdown.router)} parameters`,
      ];
    case 'attention': {
      const a = attentionParams(m.model);
      return [`- ${count(a.projections + a.norms)} parameters per layer, ${count(p.breakdown.attention)} in all`, `- KV cache per token: ${si(m.kvCache.bytesPerToken.bf16, 'B')} in bf16 (${int(m.kvCache.elementsPerTokenPerLayer)} elements per layer)`];
    }
    case 'ffn':
      return p.breakdown.denseFfn ? [`- ${count(p.breakdown.denseFfn)} parameters over ${p.denseLayers} dense layers`] : [];
    case 'mtp':
      return p.mtp ? [`- ${count(p.mtp.unique)} parameters (depth ${p.mtp.depth}), not in the model's total`] : [];
    default:
      return [];
  }
}

/** Headline figures of a GPU, node or cluster. */
export function hardwareLines(result: CompileResult, decl: A.BlockDecl): string[] {
  const l = lowerer(result);
  const d = checkedDecl(result, decl);
  if (!l || !d) return [];
  const rate = (x: number) => si(x, 'B/s');
  if (d.keyword === 'gpu') {
    const g = l.tryLower(() => l.gpu(d));
    if (!g) return [];
    const peaks = Object.entries(g.peak).map(([dt, v]) => `${dt} ${si(v, 'FLOP/s')}`);
    return [`- memory ${si(g.memoryBytes, 'B')}, bandwidth ${rate(g.hbmBytesPerSecond)}`, ...(peaks.length ? [`- peak: ${peaks.join(', ')}`] : [])];
  }
  if (d.keyword === 'node') {
    const n = l.tryLower(() => l.node(d));
    if (!n) return [];
    return [`- ${n.gpuCount} × \`${n.gpu.name}\`, ${n.scaleup.kind} ${rate(n.scaleup.bandwidth)} per GPU`, `- ${n.nic.count} × ${n.nic.kind} NIC at ${si(n.nic.bandwidth * 8, 'b/s')}`];
  }
  if (d.keyword === 'cluster') {
    const c = l.tryLower(() => l.cluster(d));
    if (!c) return [];
    const net = networkReport(c);
    return [
      `- ${int(c.nodeCount)} × \`${c.node.name}\` = ${int(c.gpus)} GPUs`,
      ...(net ? [`- ${net.topology}: ${int(net.deployed.switches)} switches, ${int(net.deployed.links)} links for ${int(net.deployed.endpoints)} endpoints`] : []),
    ];
  }
  return [];
}
