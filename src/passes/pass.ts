/**
 * The shape of a co-design pass. A pass looks at one deployment (its model, cluster, parallelism and
 * precision, all typed IR) and returns a result; it never changes the IR. Passes run in the order of
 * DEPLOYMENT_PASSES (src/passes/index.ts) and may read the results of the passes before them.
 * Its result goes to report.json under `deployments.<name>.<pass.name>` and to report.md as a section.
 */
import type { DiagnosticSink, Span } from '../diagnostics/diagnostic.js';
import type { DeploymentIR, ProgramIR } from '../ir/deploy.js';
import type { FileReader } from '../semantics/resolve.js';

export interface PassContext {
  readonly ir: ProgramIR;
  /** Errors from a pass (an infeasible deployment: memory overflow, …) fail the build like any other. */
  readonly sink: DiagnosticSink;
  /** For passes that read input files named in the source (measured expert loads, …). */
  readonly reader: FileReader;
  /** The result an earlier pass gave for this deployment, if it ran and applied. */
  result<T>(d: DeploymentIR, pass: string): T | undefined;
}

export interface DeploymentPass<R = unknown> {
  /** Key under `deployments.<name>` in report.json; also how later passes ask for the result. */
  readonly name: string;
  /** Heading of its section in report.md. */
  readonly title: string;
  /** Returns undefined when the pass does not apply to the deployment (a dense model for routing, …). */
  run(d: DeploymentIR, ctx: PassContext): R | undefined;
  toJson(r: R, d: DeploymentIR): unknown;
  toMarkdown(r: R, d: DeploymentIR): string;
}

export interface PassResult {
  readonly pass: DeploymentPass;
  readonly result: unknown;
}

/** Where a deployment's field is written (`parallel.expert`, `routing.max_nodes`), or its name. */
export function deploymentSpan(d: DeploymentIR, field?: string): Span {
  return (field && d.spans[field]) || d.span;
}
