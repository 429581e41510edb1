/** Choosing the model or deployment a command works on: by name, or the only one the file has. */
import { diagnostic } from '../diagnostics/codes.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { CompileResult } from '../passes/index.js';
import type { DeploymentIR } from '../ir/deploy.js';
import type { ModelIR } from '../ir/model.js';
import { Lowerer } from '../ir/lower.js';
import { compile } from '../passes/index.js';
import { diskReader, displaySource, printDiagnostics, printPlainDiagnostics, type Format } from './shared.js';

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

/** What the model- and deployment-taking commands share: compile FILE from disk, print its diagnostics, pick. */
function compileAnd<T>(file: string, format: Format, pick: (r: CompileResult, source: string) => T | { error: Diagnostic }): { r: CompileResult; picked: T } | undefined {
  const r = compile(file, diskReader);
  if (printDiagnostics(r, format) || !r.ir || !r.checked) return undefined;
  const picked = pick(r, displaySource(file));
  if (typeof picked === 'object' && picked !== null && 'error' in picked) {
    printPlainDiagnostics([picked.error], r.source, format);
    return undefined;
  }
  return { r, picked: picked as T };
}

/**
 * Compiles FILE and picks its model (`--model NAME` or the only one), printing the diagnostics and
 * the reason when there is none to work on: then the result is undefined and the command exits 1.
 */
export function compileAndPickModel(file: string, format: Format, name: string | undefined): { r: CompileResult; model: ModelIR } | undefined {
  const got = compileAnd(file, format, (r, source) => pickModel(r, source, name));
  return got && { r: got.r, model: got.picked.model };
}

/** As compileAndPickModel, for a deployment (of `kind` when the file has one of that kind). */
export function compileAndPickDeployment(file: string, format: Format, name: string | undefined, kind?: DeploymentIR['kind']): { r: CompileResult; deployment: DeploymentIR } | undefined {
  const got = compileAnd(file, format, (r, source) => pickDeployment(r, source, name, kind));
  return got && { r: got.r, deployment: got.picked.deployment };
}
