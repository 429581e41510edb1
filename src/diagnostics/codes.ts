/**
 * The registry of every diagnostic kasc emits. Codes are stable: never renumber, never reuse a retired
 * code. Code never compares message text; it names the entry. Messages follow rustc's habits: lower
 * case, no trailing period, names in backticks.
 */
import type { Diagnostic, DiagnosticSink, Note, Severity, Span } from './diagnostic.js';

interface Entry<P> {
  readonly code: string;
  readonly severity: Severity;
  readonly message: (p: P) => string;
  /** What the code is about, for `docs/diagnostics` and the editor. */
  readonly summary: string;
}

function entry<P = Record<string, never>>(code: string, severity: Severity, summary: string, message: (p: P) => string): Entry<P> {
  return { code, severity, summary, message };
}

const q = (s: string) => '`' + s + '`';

export const Codes = {
  // 0xx: characters
  unexpectedCharacter: entry<{ text: string }>('KAS0001', 'error', 'a character the language does not use', (p) => `unexpected character ${q(p.text)}`),
  unterminatedComment: entry('KAS0002', 'error', 'a block comment that never ends', () => 'unterminated block comment'),
  unterminatedString: entry('KAS0003', 'error', 'a string that never ends on its line', () => 'unterminated string'),

  // 1xx: syntax
  unexpectedToken: entry<{ expected: string; found: string }>('KAS0101', 'error', 'the parser expected something else here', (p) => `expected ${p.expected}, found ${p.found}`),
  invalidNumber: entry<{ text: string }>('KAS0102', 'error', 'a number that cannot be read', (p) => `invalid number ${q(p.text)}`),
  nestedTooDeeply: entry('KAS0103', 'error', 'brackets, blocks or operator chains nested deeper than kasc can follow', () => 'the input is nested too deeply to compile'),

  // 2xx: files and names
  importNotFound: entry<{ path: string }>('KAS0201', 'error', 'an import names a file that does not exist', (p) => `cannot find import ${q(p.path)}`),
  importCycle: entry<{ cycle: string }>('KAS0202', 'error', 'files import each other in a circle', (p) => `import cycle: ${p.cycle}`),
  duplicateDeclaration: entry<{ name: string }>('KAS0203', 'error', 'two declarations share a name', (p) => `${q(p.name)} is declared more than once`),
  unknownName: entry<{ name: string }>('KAS0204', 'error', 'a reference to a name that is not declared', (p) => `cannot find ${q(p.name)} in this scope`),
  ambiguousName: entry<{ name: string }>('KAS0205', 'error', 'a name declared by two imports', (p) => `${q(p.name)} is declared by more than one import`),
  wrongKindOfReference: entry<{ name: string; expected: string; found: string }>('KAS0206', 'error', 'a reference to a declaration of the wrong kind', (p) => `expected a ${p.expected}, but ${q(p.name)} is a ${p.found}`),
  unknownMember: entry<{ name: string; owner: string }>('KAS0207', 'error', 'a dotted reference to a field that does not exist', (p) => `${q(p.owner)} has no field ${q(p.name)}`),
  cyclicDefinition: entry<{ name: string }>('KAS0208', 'error', 'a value defined in terms of itself', (p) => `${q(p.name)} is defined in terms of itself`),
  fieldNotSet: entry<{ name: string; owner: string }>('KAS0210', 'error', 'a reference to an optional field that has no value', (p) => `${q(p.owner)} does not set ${q(p.name)}, which has no default`),
  fileNotFound: entry<{ path: string }>('KAS0209', 'error', 'the input file does not exist or cannot be read', (p) => `cannot read ${q(p.path)}`),

  // 3xx: fields, values and units
  unknownField: entry<{ name: string; owner: string }>('KAS0301', 'error', 'a field the block does not have', (p) => `unknown field ${q(p.name)} in ${p.owner}`),
  duplicateField: entry<{ name: string }>('KAS0302', 'error', 'a field set twice in one block', (p) => `field ${q(p.name)} is set more than once`),
  missingField: entry<{ name: string; owner: string }>('KAS0303', 'error', 'a required field is absent', (p) => `missing required field ${q(p.name)} in ${p.owner}`),
  wrongDimension: entry<{ field: string; expected: string; found: string }>('KAS0304', 'error', 'a quantity of the wrong dimension', (p) => `${q(p.field)} expects ${p.expected}, found ${p.found}`),
  notAnInteger: entry<{ field: string; value: string }>('KAS0305', 'error', 'a count that is not a whole number', (p) => `${q(p.field)} must be a whole number, found ${p.value}`),
  outOfRange: entry<{ field: string; value: string; bound: string }>('KAS0306', 'error', 'a value outside the range its field allows', (p) => `${q(p.field)} is ${p.value}, but it must be ${p.bound}`),
  unknownOption: entry<{ name: string; field: string }>('KAS0307', 'error', 'a choice the field does not offer', (p) => `${q(p.name)} is not a valid ${q(p.field)}`),
  wrongValueKind: entry<{ field: string; expected: string; found: string }>('KAS0308', 'error', 'a value of the wrong shape (a name where a number belongs, …)', (p) => `${q(p.field)} expects ${p.expected}, found ${p.found}`),
  unknownBlock: entry<{ name: string; owner: string }>('KAS0309', 'error', 'a nested block the enclosing block does not have', (p) => `unknown block ${q(p.name)} in ${p.owner}`),
  divisionByZero: entry('KAS0310', 'error', 'an expression divides by zero', () => 'division by zero'),
  mismatchedUnits: entry<{ op: string; left: string; right: string }>('KAS0311', 'error', 'adding or subtracting quantities of different dimensions', (p) => `cannot ${p.op} ${p.left} and ${p.right}`),
  duplicateBlock: entry<{ name: string }>('KAS0312', 'error', 'a nested block given twice', (p) => `block ${q(p.name)} is given more than once`),
  unexpectedSelector: entry<{ name: string }>('KAS0313', 'error', 'a layer selector on a block that takes none', (p) => `${q(p.name)} does not take a layer selector`),

  // 4xx: consistency between fields
  topKExceedsExperts: entry<{ topK: number; routed: number }>('KAS0401', 'error', 'top-k larger than the number of routed experts', (p) => `top_k is ${p.topK}, but there are only ${p.routed} routed experts`),
  groupsDoNotDivide: entry<{ groups: number; routed: number }>('KAS0402', 'error', 'expert groups that do not divide the routed experts', (p) => `${p.groups} groups do not divide ${p.routed} routed experts`),
  chooseExceedsGroups: entry<{ choose: number; groups: number }>('KAS0403', 'error', 'group-limited routing that chooses more groups than exist', (p) => `cannot choose ${p.choose} of ${p.groups} groups`),
  layerRangeOutside: entry<{ range: string; layers: number }>('KAS0404', 'error', 'an MoE layer range outside the model', (p) => `layer range ${p.range} lies outside the model's ${p.layers} layers`),
  kvHeadsDoNotDivide: entry<{ kvHeads: number; heads: number }>('KAS0405', 'error', 'key/value heads that do not divide the query heads', (p) => `${p.kvHeads} kv heads do not divide ${p.heads} attention heads`),
  topKUnreachable: entry<{ topK: number; reachable: number }>('KAS0406', 'error', 'group-limited routing that cannot supply top-k experts', (p) => `top_k is ${p.topK}, but the chosen groups hold only ${p.reachable} experts`),
  emptyLayerRange: entry<{ range: string }>('KAS0407', 'error', 'an MoE layer range that selects no layer', (p) => `layer range ${p.range} selects no layer`),
  achievableExceedsPeak: entry<{ field: string; peak: string }>('KAS0408', 'error', 'an achievable figure above the peak it is a fraction of', (p) => `${q(p.field)} is above ${q(p.peak)}`),
  clusterTooSmall: entry<{ needed: number; gpus: number }>('KAS0409', 'error', 'a parallel layout that needs more GPUs than the cluster has', (p) => `the parallel layout needs ${p.needed} GPUs, but the cluster has ${p.gpus}`),
  parallelDoesNotDivide: entry<{ what: string; size: number; total: number }>('KAS0410', 'error', 'a parallel size that does not divide what it splits', (p) => `${p.what} ${p.size} does not divide ${p.total}`),
  maxNodesExceeds: entry<{ maxNodes: number; nodes: number }>('KAS0411', 'error', 'node-limited routing over more nodes than the expert-parallel group spans', (p) => `max_nodes is ${p.maxNodes}, but expert parallelism spans only ${p.nodes} nodes`),
  mlaHeadDims: entry<{ detail: string }>('KAS0412', 'warning', 'MLA dimensions under which the latent saves nothing', (p) => `MLA compresses nothing: ${p.detail}`),
  networkTooSmall: entry<{ endpoints: number; capacity: number }>('KAS0413', 'error', 'a network that cannot connect every NIC of the cluster', (p) => `the network connects at most ${p.capacity} endpoints, but the cluster has ${p.endpoints}`),
  noFp8: entry<{ gpu: string }>('KAS0414', 'warning', 'FP8 requested of a GPU without FP8 tensor cores', (p) => `${q(p.gpu)} has no FP8 throughput declared`),
  headDimUndetermined: entry<{ hidden: number; heads: number }>('KAS0416', 'error', 'a head width that cannot be derived', (p) => `hidden size ${p.hidden} is not a multiple of ${p.heads} heads, so \`head_dim\` cannot be derived`),
  denseLayersWithoutFfn: entry<{ count: number }>('KAS0417', 'error', 'dense layers with no FFN declared', (p) => `${p.count} layer${p.count === 1 ? ' is' : 's are'} dense, but the model declares no \`ffn\``),
  noPeak: entry<{ gpu: string }>('KAS0418', 'error', 'a GPU without any peak throughput', (p) => `gpu \`${p.gpu}\` declares no peak throughput`),

  // 530–549: node-limited routing and load balancing
  // 500–529: precision and the training model
  trainMemoryOverflow: entry<{ deployment: string; needed: string; over: string; gpu: string; capacity: string }>('KAS0500', 'error', 'a training run whose state does not fit in GPU memory', (p) => `\`${p.deployment}\` needs ${p.needed} per GPU, ${p.over} more than the ${p.capacity} of \`${p.gpu}\``),
  fewMicroBatches: entry<{ micro: number; stages: number }>('KAS0502', 'warning', 'fewer micro-batches than pipeline stages: the pipeline mostly idles', (p) => `${p.micro} micro-batch${p.micro === 1 ? '' : 'es'} per step for ${p.stages} pipeline stages: the bubble dominates the step`),
  dualPipeOdd: entry<{ what: string; value: number }>('KAS0503', 'warning', 'DualPipe with an odd stage or micro-batch count', (p) => `DualPipe needs an even ${p.what}, found ${p.value}`),
  groupsStraddleNodes: entry<{ groups: number; nodes: number }>('KAS0530', 'warning', 'expert groups that do not line up with the nodes of the expert-parallel group', (p) => `${p.groups} expert groups do not line up with ${p.nodes} nodes, so group-limited routing bounds no node count`),
  nodeLimitUnreachable: entry<{ maxNodes: number; reachable: number; topK: number }>('KAS0531', 'error', 'a node limit under which a token cannot reach top-k experts', (p) => `max_nodes = ${p.maxNodes} reaches only ${p.reachable} experts, but top_k is ${p.topK}`),
  nodeLimitHasNoEffect: entry<{ maxNodes: number; bound: number }>('KAS0532', 'warning', 'a node limit looser than the group limit already keeps', (p) => `max_nodes = ${p.maxNodes} has no effect: the expert groups already keep each token within ${p.bound} node${p.bound === 1 ? '' : 's'}`),
  expertParallelPartialNode: entry<{ ep: number; perNode: number }>('KAS0533', 'warning', 'an expert-parallel group that fills its last node only in part', (p) => `expert parallelism ${p.ep} does not fill whole ${p.perNode}-GPU nodes`),
  ibBudgetUnreachable: entry<{ budget: string; least: string }>('KAS0534', 'warning', 'an InfiniBand budget that even a one-node limit exceeds', (p) => `no node limit fits the IB budget of ${p.budget} per token: even \`max_nodes = 1\` moves ${p.least}`),
  maxNodesOverIbBudget: entry<{ maxNodes: number; bytes: string; budget: string }>('KAS0535', 'warning', 'a node limit whose expected InfiniBand traffic exceeds the declared budget', (p) => `routing within ${p.maxNodes} nodes moves ${p.bytes} per token over IB, above the budget of ${p.budget}`),
  balanceTooSlow: entry<{ rate: string; steps: string; horizon: string }>('KAS0540', 'warning', 'a bias update rate too small to balance the experts within the simulated horizon', (p) => `bias update rate u = ${p.rate} needs about ${p.steps} steps to balance the experts, but the horizon is ${p.horizon} steps`),
  balanceOscillates: entry<{ rate: string; swing: string; tolerance: string }>('KAS0541', 'warning', 'a bias update rate large enough to make expert loads oscillate', (p) => `bias update rate u = ${p.rate} makes expert loads swing by up to ${p.swing} around balance, above the tolerance of ${p.tolerance}`),
  balanceNotReached: entry<{ method: string; maxVio: string; tolerance: string }>('KAS0542', 'warning', 'a balancing method whose simulated steady-state imbalance exceeds the tolerance', (p) => `${p.method} balancing settles at MaxVio ${p.maxVio}, above the tolerance of ${p.tolerance}`),

  // 550–569: expert placement
  placementLoadsUnreadable: entry<{ path: string; detail: string }>('KAS0550', 'error', 'expert loads for placement that cannot be read', (p) => `cannot use the expert loads in ${q(p.path)}: ${p.detail}`),
  placementLayout: entry<{ detail: string }>('KAS0551', 'error', 'a placement layout (slots, groups, nodes, GPUs) that cannot hold the experts', (p) => `cannot place experts: ${p.detail}`),
  placementExpertCount: entry<{ found: number; routed: number }>('KAS0552', 'error', 'expert loads whose count differs from the model\'s routed experts', (p) => `the loads give ${p.found} experts per layer, but the model has ${p.routed} routed experts`),
  placementTrafficNeedsGroups: entry<{ groups: number; nodes: number }>('KAS0553', 'error', 'traffic-aware placement without whole groups per node', (p) => `traffic-aware placement needs whole groups per node, but ${p.groups} groups do not divide over ${p.nodes} nodes`),
  placementLayerCount: entry<{ found: number; layers: number }>('KAS0554', 'warning', 'expert loads for a different number of layers than the model\'s MoE layers', (p) => `the loads give ${p.found} layers, but the model has ${p.layers} MoE layers`),
  placementLoadsAndSynthetic: entry('KAS0555', 'error', 'a placement block with both measured and synthetic loads, or neither', () => 'a `placement` block needs exactly one of `loads` and `synthetic`'),

  // 570–589: network topologies and the serving model
  slimFlyNoMms: entry<{ q: number }>('KAS0570', 'error', 'a Slim Fly parameter q for which no MMS graph exists', (p) => `no Slim Fly has q = ${p.q}: q must be 4w + δ with δ ∈ {−1, 0, 1}, and ${p.q} ≡ 2 (mod 4)`),
  topologyNeedsMorePorts: entry<{ what: string; needed: number; radix: number }>('KAS0571', 'error', 'a topology whose switches need more ports than the radix', (p) => `${p.what} needs ${p.needed} ports per switch, but the switches have ${p.radix}`),
  slimFlyQNotPrimePower: entry<{ q: number }>('KAS0572', 'warning', 'a Slim Fly parameter q that is not a prime power', (p) => `q = ${p.q} is not a prime power, so the MMS graph cannot be built; sizes follow the formulas`),
  dragonflyTooManyGroups: entry<{ groups: number; max: number }>('KAS0573', 'error', 'a Dragonfly with more groups than its global ports can join', (p) => `${p.groups} groups cannot all be joined: a·h + 1 = ${p.max} at most`),
  interzoneWithoutZones: entry<{ field: string }>('KAS0574', 'warning', 'inter-zone switches or links on a network with one zone', (p) => `${q(p.field)} has no effect with a single zone`),
  serveWeightsDoNotFit: entry<{ need: string; memory: string }>('KAS0580', 'error', 'a serving layout whose weights do not fit in a GPU', (p) => `the weights each GPU holds take ${p.need}, more than its ${p.memory} of memory`),
  serveKvDoesNotFit: entry<{ need: string; free: string }>('KAS0581', 'error', 'requests in flight whose KV cache does not fit beside the weights', (p) => `the KV cache of the requests in flight takes ${p.need} per GPU, but only ${p.free} is left beside the weights`),
  servePrefillNotModelled: entry('KAS0582', 'warning', 'a serving phase the serving model does not cover', () => 'the serving model covers decode only; `prefill` gets no time-per-token bounds'),

  // 60x: interop (Hugging Face configs, engine launch arguments)
  hfNotJson: entry<{ path: string; detail: string }>('KAS0600', 'error', 'a Hugging Face config that is not a JSON object', (p) => `cannot read ${q(p.path)} as a JSON object: ${p.detail}`),
  hfUnknownModelType: entry<{ type: string }>('KAS0601', 'error', 'a Hugging Face model_type kasc cannot import', (p) => `unknown model_type ${q(p.type)}`),
  hfMissingField: entry<{ field: string; type: string }>('KAS0602', 'error', 'a field the model type needs is absent from config.json', (p) => `config.json has no ${q(p.field)}, which model_type ${q(p.type)} needs`),
  hfWrongFieldType: entry<{ field: string; expected: string; found: string }>('KAS0603', 'error', 'a config.json field of the wrong JSON type or range', (p) => `${q(p.field)} must be ${p.expected}, found ${p.found}`),
  hfUnsupported: entry<{ field: string; value: string; why: string }>('KAS0604', 'error', 'a config.json setting the language cannot express', (p) => `${q(p.field)} = ${p.value} cannot be expressed in .kas: ${p.why}`),
  hfNotCarried: entry<{ field: string; why: string }>('KAS0605', 'warning', 'a config.json field that the imported .kas does not keep', (p) => `${q(p.field)} is not carried into the .kas: ${p.why}`),
  exportNotExpressible: entry<{ model: string; type: string; why: string }>('KAS0606', 'error', 'a model that the chosen Hugging Face model type cannot describe', (p) => `model ${q(p.model)} cannot be written as model_type ${q(p.type)}: ${p.why}`),
  declarationNotFound: entry<{ kind: string; name: string; file: string }>('KAS0607', 'error', 'a --model or --deployment name the file does not declare', (p) => `${p.file} declares no ${p.kind}${p.name ? ' ' + q(p.name) : ''}`),
  declarationAmbiguous: entry<{ kind: string; file: string; names: string; option: string }>('KAS0608', 'error', 'several candidates and no name to choose one', (p) => `${p.file} declares several ${p.kind}s (${p.names}): choose one with ${p.option}`),
  engineNoFlag: entry<{ engine: string; what: string }>('KAS0609', 'warning', 'a setting the engine has no launch argument for', (p) => `${p.engine} has no launch argument for ${p.what}`),
  engineWrongKind: entry<{ engine: string; name: string; kind: string; expected: string }>('KAS0610', 'error', 'a deployment of the kind the engine does not run', (p) => `${p.engine} launches ${p.expected} deployments, but ${q(p.name)} is a ${p.kind} deployment`),

  // 630–659: operator search (`search` blocks)
  unknownSizeVariable: entry<{ name: string }>('KAS0630', 'error', 'a size that names a variable the search does not declare', (p) => `cannot find size variable ${q(p.name)}`),
  sizeNotInteger: entry<{ size: string; where: string; binding: string }>('KAS0631', 'error', 'a size that is not a positive whole number under one of the bindings', (p) => `size ${q(p.size)} is not a positive whole number ${p.where} (${p.binding})`),
  sizeNotMonomial: entry<{ op: string }>('KAS0632', 'error', 'a size written with `+` or `-`: sizes are products and quotients', (p) => `a size cannot use ${q(p.op)}`),
  bindingLengths: entry<{ block: string; detail: string }>('KAS0633', 'error', 'size lists of different lengths in one binding block', (p) => `the lists in ${q(p.block)} disagree in length: ${p.detail}`),
  sizeVariableKind: entry<{ name: string; kind: string; other: string; where: string }>('KAS0634', 'error', 'a size variable declared as primary in one place and coefficient in another', (p) => `${q(p.name)} is declared as a ${p.kind} variable here, but it is a ${p.other} variable ${p.where}`),
  unknownReferenceOperator: entry<{ name: string }>('KAS0635', 'error', 'a reference operator the search library does not have', (p) => `unknown reference operator ${q(p.name)}`),
  operatorUnbound: entry<{ operator: string; variable: string }>('KAS0636', 'error', 'a reference operator that reads a size variable the search does not declare', (p) => `reference operator ${q(p.operator)} uses size variable ${q(p.variable)}, which this search does not declare`),
  teacherInterface: entry<{ operator: string; teacher: string; search: string }>('KAS0637', 'error', 'a teacher operator whose interface differs from the search\'s', (p) => `teacher ${q(p.operator)} maps ${p.teacher}, but the search maps ${p.search}`),
  budgetForm: entry<{ field: string }>('KAS0638', 'error', 'a budget that is neither an absolute figure nor a multiple of one reference operator', (p) => `${q(p.field)} must be an absolute figure or a multiple of one reference operator`),
  budgetBelowMinimum: entry<{ field: string; budget: string; minimum: string; why: string }>('KAS0639', 'error', 'a budget no operator of the interface can meet', (p) => `the ${p.field} budget of ${p.budget} is below ${p.minimum}, ${p.why}`),
  fitTooLarge: entry<{ elements: string; max: string }>('KAS0640', 'error', 'fit sizes too large for the least-squares fit', (p) => `the fit's input and output hold ${p.elements} element pairs, more than the ${p.max} the fit can solve`),
  bindingIncomplete: entry<{ block: string; variable: string }>('KAS0641', 'error', 'a fingerprint binding that leaves out a size variable', (p) => `${q(p.block)} gives no value for size variable ${q(p.variable)}`),
  fingerprintUnderivable: entry<{ detail: string }>('KAS0642', 'error', 'no small bindings keep the search\'s sizes whole and distinct', (p) => `cannot derive small bindings for the ${p.detail}`),
  fingerprintCollision: entry<{ a: string; b: string }>('KAS0643', 'warning', 'two different sizes that are equal under every fingerprint binding', (p) => `sizes ${q(p.a)} and ${q(p.b)} are equal under every fingerprint binding, so the fingerprint cannot tell them apart`),
  inputUnreachable: entry<{ size: string; variable: string }>('KAS0644', 'error', 'an input size the primitives can never produce', (p) => `input size ${q(p.size)} cannot be reached: ${q(p.variable)} appears in no output size and no \`reduce_sizes\``),
  duplicateSizeVariable: entry<{ name: string }>('KAS0645', 'error', 'a size variable declared both in `sizes` and in `coefficients`', (p) => `size variable ${q(p.name)} is declared twice`),

  // 660–679: code generation (`kasc build --emit wgsl,ts`)
  fp8ScalingNotFollowed: entry<{ detail: string }>('KAS0660', 'warning', 'a deployment\'s FP8 scaling that the emitted kernels do not follow', (p) => p.detail),
  cannotGenerate: entry<{ what: string; detail: string }>('KAS0661', 'error', 'a model the code generator cannot emit', (p) => `cannot generate the ${p.what}: ${p.detail}`),

  // 9xx: the compiler itself
  internalError: entry<{ detail: string }>('KAS0901', 'error', 'a bug in kasc', (p) => `internal error: ${p.detail}`),
} as const;

export type CodeName = keyof typeof Codes;
export type CodeParams<K extends CodeName> = Parameters<(typeof Codes)[K]['message']>[0];

export interface ReportOptions {
  label?: string;
  notes?: Note[];
  help?: string;
  /** Downgrade or upgrade, for codes whose severity depends on context. */
  severity?: Severity;
}

/** Build a diagnostic from the registry. */
export function diagnostic<K extends CodeName>(name: K, params: CodeParams<K>, span: Span | undefined, opts: ReportOptions = {}): Diagnostic {
  const e = Codes[name] as Entry<CodeParams<K>>;
  return {
    code: e.code,
    severity: opts.severity ?? e.severity,
    message: e.message(params),
    ...(span ? { span } : {}),
    ...(opts.label ? { label: opts.label } : {}),
    notes: opts.notes ?? [],
    ...(opts.help ? { help: opts.help } : {}),
  };
}

export function report<K extends CodeName>(sink: DiagnosticSink, name: K, params: CodeParams<K>, span: Span | undefined, opts?: ReportOptions): void {
  sink.add(diagnostic(name, params, span, opts));
}
