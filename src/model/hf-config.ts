// config.json for exported weights, in the Hugging Face layout (the file `from_pretrained` reads
// beside model.safetensors). The lab's decoder matches no transformers architecture exactly
// (QK-LayerNorm over the full width, scale-only LayerNorm, no biases, untied embeddings), so
// model_type names it, and every field a loader needs to rebuild it is spelled out.
import { LAYER_NORM_EPS, MLP_RATIO, ROPE_BASE, type ModelConfig } from './config';

export const HF_MODEL_TYPE = 'cbs_lab_decoder';

/** The config.json object; `extra` adds the run's provenance under "cbs_lab". */
export function hfConfigJson(model: ModelConfig, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    architectures: ['CbsLabDecoderForCausalLM'],
    model_type: HF_MODEL_TYPE,
    vocab_size: model.vocabSize,
    hidden_size: model.dModel,
    intermediate_size: MLP_RATIO * model.dModel,
    num_hidden_layers: model.layers,
    num_attention_heads: model.heads,
    head_dim: model.dModel / model.heads,
    max_position_embeddings: model.context,
    hidden_act: 'gelu',
    layer_norm_eps: LAYER_NORM_EPS,
    layer_norm_bias: false,
    qk_layernorm: 'full-width',
    rope_theta: ROPE_BASE,
    rope_style: 'neox-rotate-half',
    attention_bias: false,
    mlp_bias: false,
    tie_word_embeddings: false,
    torch_dtype: 'float32',
    // Tensor names as in the safetensors file (src/model/layout.ts, docs/model.md).
    cbs_lab: { model: model.name, ...extra },
  };
}
