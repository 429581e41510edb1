/**
 * The kernel registry: for each kernel its typed config, the pure function that chooses the config
 * from a shape and the adapter limits, the generator of its WGSL and binding layout, and its dispatch
 * size. src/codegen/INTERFACE.md ("Kernels side") lists the binding layouts and buffer formats in one table.
 */
export * from './types.js';
export * from './matmul.js';
export * from './fp8.js';
export * from './fp8-gemm.js';
export * from './norm.js';
export * from './attention.js';
export * from './moe.js';
export * from './model.js';

import { attentionDispatch, chooseAttentionConfig, chooseHeadProjectionConfig, chooseRopeConfig, generateAttentionWGSL, generateHeadProjectionWGSL, generateRopeWGSL, headProjectionDispatch, ropeDispatch } from './attention.js';
import { chooseFp8DequantizeConfig, chooseFp8QuantizeConfig, fp8DequantizeDispatch, fp8QuantizeDispatch, generateFp8DequantizeWGSL, generateFp8QuantizeWGSL } from './fp8.js';
import { chooseFp8GemmConfig, fp8GemmDispatch, generateFp8GemmWGSL } from './fp8-gemm.js';
import { chooseMatmulConfig, generateMatmulWGSL, matmulDispatch } from './matmul.js';
import {
  chooseExpertGemmConfig,
  chooseMoeCombineConfig,
  chooseMoePlanConfig,
  chooseRouterConfig,
  expertGemmDispatch,
  generateExpertGemmWGSL,
  generateMoeCombineWGSL,
  generateMoePlanWGSL,
  generateRouterWGSL,
  moeCombineDispatch,
  moePlanDispatch,
  routerDispatch,
} from './moe.js';
import { chooseElementwiseConfig, chooseRmsNormConfig, chooseSoftmaxConfig, elementwiseDispatch, generateElementwiseWGSL, generateRmsNormWGSL, generateSoftmaxWGSL, rmsNormDispatch, softmaxDispatch } from './norm.js';

/** Every kernel: `choose(shape, limits[, device])`, `generate(config[, limits])`, `dispatch(config, …runtime)`. */
export const KERNELS = {
  matmul: { choose: chooseMatmulConfig, generate: generateMatmulWGSL, dispatch: matmulDispatch },
  fp8Quantize: { choose: chooseFp8QuantizeConfig, generate: generateFp8QuantizeWGSL, dispatch: fp8QuantizeDispatch },
  fp8Dequantize: { choose: chooseFp8DequantizeConfig, generate: generateFp8DequantizeWGSL, dispatch: fp8DequantizeDispatch },
  fp8Gemm: { choose: chooseFp8GemmConfig, generate: generateFp8GemmWGSL, dispatch: fp8GemmDispatch },
  rmsNorm: { choose: chooseRmsNormConfig, generate: generateRmsNormWGSL, dispatch: rmsNormDispatch },
  softmax: { choose: chooseSoftmaxConfig, generate: generateSoftmaxWGSL, dispatch: softmaxDispatch },
  elementwise: { choose: chooseElementwiseConfig, generate: generateElementwiseWGSL, dispatch: elementwiseDispatch },
  rope: { choose: chooseRopeConfig, generate: generateRopeWGSL, dispatch: ropeDispatch },
  headProjection: { choose: chooseHeadProjectionConfig, generate: generateHeadProjectionWGSL, dispatch: headProjectionDispatch },
  attention: { choose: chooseAttentionConfig, generate: generateAttentionWGSL, dispatch: attentionDispatch },
  router: { choose: chooseRouterConfig, generate: generateRouterWGSL, dispatch: routerDispatch },
  moePlan: { choose: chooseMoePlanConfig, generate: generateMoePlanWGSL, dispatch: moePlanDispatch },
  expertGemm: { choose: chooseExpertGemmConfig, generate: generateExpertGemmWGSL, dispatch: expertGemmDispatch },
  moeCombine: { choose: chooseMoeCombineConfig, generate: generateMoeCombineWGSL, dispatch: moeCombineDispatch },
} as const;

export type KernelName = keyof typeof KERNELS;
