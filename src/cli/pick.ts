/** Choosing the model or deployment a command works on: by name, or the only one the file has. */
import { diagnostic } from '../diagnostics/codes.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { CompileResult } from '../passes/index.js';
import type { DeploymentIR } from '../ir/deploy.js';
import type { ModelIR } from '../ir/model.js';
import { Lowerer } from '../ir/lower.js';

const list = (names: readonly string[]) => names.map((n) => '`' + n + '`').join(', ');

/**
 * The model named `name` (declared in the file, used by its deployments, or imported), or the file's
 * only model. The entry file's own models come first, so a file that declares one model and imports
 * others picks its own.
 */
export function pickModel(r: CompileResult, file: string, name?: string): { model: ModelIR } | { error: Diagnostic } {
  const models = r.ir!.models;
  if (name !== undefined) {
    const found = models.find((m) => m.name === name);
    if (found) return { model: found };
    const decl = r.checked!.decls.find((d) => d.keyword === 'model' && d.name === name);
    if (decl) {
      const l = new Lowerer(r.checked!);
      const m = l.tryLower(() => l.model(decl));
      if (m) return { model: m };
    }
    return { error: diagnostic('declarationNotFound', { kind: 'model', name, file }, undefined, models.length ? { help: `it declares ${list(models.map((m) => m.name))}` } : {}) };
  }
  if (models.length === 1) return { model: models[0]! };
  if (models.length === 0) return { error: diagnostic('declarationNotFound', { kind: 'model', name: '', file }, undefined, { help: 'import or declare a model, or name an imported one with --model' }) };
  return { error: diagnostic('declarationAmbiguous', { kind: 'model', file, names: list(models.map((m) => m.name)), option: '--model NAME' }, undefined) };
}

/** The deployment named `name`, or the file's only deployment (of `kind`, when it has one of that kind). */
export function pickDeployment(r: CompileResult, file: string, name?: string, kind?: DeploymentIR['kind']): { deployment: DeploymentIR } | { error: Diagnostic } {
  const all = r.ir!.deployments;
  const deps = name === undefined && kind && all.some((d) => d.kind === kind) ? all.filter((d) => d.kind === kind) : all;
  if (name !== undefined) {
    const found = deps.find((d) => d.name === name);
    if (found) return { deployment: found };
    return { error: diagnostic('declarationNotFound', { kind: 'deployment', name, file }, undefined, deps.length ? { help: `it declares ${list(deps.map((d) => d.name))}` } : {}) };
  }
  if (deps.length === 1) return { deployment: deps[0]! };
  if (deps.length === 0) return { error: diagnostic('declarationNotFound', { kind: 'deployment', name: '', file }, undefined, { help: 'declare a `train` or `serve` block' }) };
  return { error: diagnostic('declarationAmbiguous', { kind: 'deployment', file, names: list(deps.map((d) => d.name)), option: '--deployment NAME' }, undefined) };
}
