/*
 * catalog.c — what Many-LLM knows about each provider: wire format, default
 * address, free-tier models and their published limits. Data only.
 *
 * The numbers change often. Each provider names its source and the date the
 * source was read; every figure can be overridden per entry (pool lines) or
 * per provider (NAME_MODELS, NAME_BASE_URL).
 */
#include <string.h>

#include "mlm.h"

#define S  MLM_FEAT_SCHEMA
#define J  MLM_FEAT_JSON
#define ST MLM_FEAT_STREAM

/* Google AI Studio free tier, per project and per model; RPD resets at
 * midnight US Pacific. Source: cheahjs/free-llm-api-resources @ e6765bc
 * (2026-07-18); ai.google.dev/gemini-api/docs/rate-limits. */
static const mlm_catalog_model gemini_models[] = {
	{ "gemini-2.5-flash",      { 5, 20, 250000, 0, 1, MLM_RESET_PACIFIC }, 1048576, S | J | ST },
	{ "gemini-2.5-flash-lite", { 10, 20, 250000, 0, 1, MLM_RESET_PACIFIC }, 1048576, S | J | ST },
	{ "gemini-3.1-flash-lite", { 15, 500, 250000, 0, 1, MLM_RESET_PACIFIC }, 1048576, S | J | ST },
	{ "gemma-3-27b-it",        { 30, 14400, 15000, 0, 1, MLM_RESET_PACIFIC }, 131072, ST },
	{ NULL, { 0 }, 0, 0 },
};

/* OpenAI has no standing free tier; limits come from x-ratelimit-* headers.
 * Source: openai/openai-openapi @ f85dbe2 (2026-08-21). */
static const mlm_catalog_model openai_models[] = {
	{ "gpt-4o-mini", { 0 }, 128000, S | J | ST },
	{ NULL, { 0 }, 0, 0 },
};

/* Workers AI free plan: 10,000 neurons/day per account (00:00 UTC reset),
 * 300 requests/minute for text generation. Source: cloudflare-docs
 * platform/limits.mdx and pricing.mdx; cheahjs @ e6765bc (2026-07-18). */
static const mlm_catalog_model cloudflare_models[] = {
	{ "@cf/meta/llama-3.1-8b-instruct",          { 300, 0, 0, 0, 0, MLM_RESET_UTC }, 128000, S | J | ST },
	{ "@cf/meta/llama-3.3-70b-instruct-fp8-fast", { 300, 0, 0, 0, 0, MLM_RESET_UTC }, 24000, S | J | ST },
	{ "@cf/mistralai/mistral-small-3.1-24b-instruct", { 300, 0, 0, 0, 0, MLM_RESET_UTC }, 128000, ST },
	{ NULL, { 0 }, 0, 0 },
};

/* Zhipu BigModel: free -flash models, per-account concurrency (about one
 * request in flight on a free key). Source: docs.bigmodel.cn rate-limit page
 * and glm-4.5-flash retirement notice (2026-01-30). */
static const mlm_catalog_model zhipu_models[] = {
	{ "glm-4.7-flash",      { 0, 0, 0, 1, 0, MLM_RESET_NONE }, 128000, J | ST },
	{ "glm-4-flash-250414", { 0, 0, 0, 1, 0, MLM_RESET_NONE }, 128000, J | ST },
	{ NULL, { 0 }, 0, 0 },
};

/* Groq free tier, per organization and per model (RPD and TPM from the
 * x-ratelimit headers). Source: cheahjs @ e6765bc (2026-07-18). */
static const mlm_catalog_model groq_models[] = {
	{ "llama-3.1-8b-instant",    { 30, 14400, 6000, 0, 1, MLM_RESET_UTC }, 131072, S | J | ST },
	{ "llama-3.3-70b-versatile", { 30, 1000, 12000, 0, 1, MLM_RESET_UTC }, 131072, J | ST },
	{ "openai/gpt-oss-20b",      { 30, 1000, 8000, 0, 1, MLM_RESET_UTC }, 131072, S | J | ST },
	{ NULL, { 0 }, 0, 0 },
};

/* OpenRouter: 20 RPM and 50 RPD shared by every :free model of an account.
 * Source: openrouter.ai/docs/api/reference/limits; cheahjs (2026-07-18). */
static const mlm_catalog_model openrouter_models[] = {
	{ "meta-llama/llama-3.3-70b-instruct:free", { 20, 50, 0, 0, 0, MLM_RESET_UTC }, 65536, J | ST },
	{ "openai/gpt-oss-20b:free",                { 20, 50, 0, 0, 0, MLM_RESET_UTC }, 131072, J | ST },
	{ NULL, { 0 }, 0, 0 },
};

/* Mistral Experiment plan: 1 request/s, 500k TPM, per model.
 * Source: cheahjs @ e6765bc (2026-07-18). */
static const mlm_catalog_model mistral_models[] = {
	{ "mistral-small-latest", { 60, 0, 500000, 0, 1, MLM_RESET_NONE }, 32000, S | J | ST },
	{ NULL, { 0 }, 0, 0 },
};

/* Cerebras: 30 RPM, 14,400 RPD, 60k TPM. Source: cheahjs (2026-07-18). */
static const mlm_catalog_model cerebras_models[] = {
	{ "llama3.1-8b",  { 30, 14400, 60000, 0, 1, MLM_RESET_UTC }, 8192, S | J | ST },
	{ "gpt-oss-120b", { 30, 14400, 60000, 0, 1, MLM_RESET_UTC }, 8192, S | J | ST },
	{ NULL, { 0 }, 0, 0 },
};

/* NVIDIA NIM: about 40 RPM. Source: cheahjs (2026-07-18). */
static const mlm_catalog_model nvidia_models[] = {
	{ "meta/llama-3.1-8b-instruct", { 40, 0, 0, 0, 0, MLM_RESET_NONE }, 8192, J | ST },
	{ NULL, { 0 }, 0, 0 },
};

/* GitHub Models, Copilot Free "Low" models: 15 RPM, 150 RPD, 5 concurrent.
 * Source: github/docs prototyping-with-ai-models.md (2026). */
static const mlm_catalog_model github_models[] = {
	{ "openai/gpt-4o-mini", { 15, 150, 0, 5, 1, MLM_RESET_UTC }, 8000, S | J | ST },
	{ NULL, { 0 }, 0, 0 },
};

/* SiliconFlow free models, "within platform rate limits".
 * Source: docs.siliconflow.cn quickstart/models (older list). */
static const mlm_catalog_model siliconflow_models[] = {
	{ "Qwen/Qwen2.5-7B-Instruct", { 0 }, 32768, J | ST },
	{ NULL, { 0 }, 0, 0 },
};

static const mlm_catalog_model no_models[] = { { NULL, { 0 }, 0, 0 } };

static const mlm_provider providers[] = {
	{ "gemini", MLM_WIRE_GEMINI, "https://generativelanguage.googleapis.com/v1beta",
	  gemini_models, "cheahjs/free-llm-api-resources e6765bc, 2026-07-18" },
	{ "openai", MLM_WIRE_OPENAI, "https://api.openai.com/v1",
	  openai_models, "openai-openapi f85dbe2, 2026-08-21" },
	{ "cloudflare", MLM_WIRE_CLOUDFLARE, NULL,
	  cloudflare_models, "cloudflare-docs limits/pricing, 2026-07-18" },
	{ "zhipu", MLM_WIRE_OPENAI, "https://open.bigmodel.cn/api/paas/v4",
	  zhipu_models, "docs.bigmodel.cn rate-limit page, 2026" },
	{ "groq", MLM_WIRE_OPENAI, "https://api.groq.com/openai/v1",
	  groq_models, "cheahjs/free-llm-api-resources e6765bc, 2026-07-18" },
	{ "openrouter", MLM_WIRE_OPENAI, "https://openrouter.ai/api/v1",
	  openrouter_models, "openrouter.ai docs limits, 2026-07-18" },
	{ "mistral", MLM_WIRE_OPENAI, "https://api.mistral.ai/v1",
	  mistral_models, "cheahjs/free-llm-api-resources e6765bc, 2026-07-18" },
	{ "cerebras", MLM_WIRE_OPENAI, "https://api.cerebras.ai/v1",
	  cerebras_models, "cheahjs/free-llm-api-resources e6765bc, 2026-07-18" },
	{ "nvidia", MLM_WIRE_OPENAI, "https://integrate.api.nvidia.com/v1",
	  nvidia_models, "cheahjs/free-llm-api-resources e6765bc, 2026-07-18" },
	{ "github", MLM_WIRE_OPENAI, "https://models.github.ai/inference",
	  github_models, "github/docs prototyping-with-ai-models.md, 2026" },
	{ "siliconflow", MLM_WIRE_OPENAI, "https://api.siliconflow.cn/v1",
	  siliconflow_models, "docs.siliconflow.cn, older list" },
	{ "ollama", MLM_WIRE_OPENAI, "http://localhost:11434/v1", no_models, "local" },
};

const mlm_provider *
mlm_provider_find(const char *name)
{
	for (size_t i = 0; i < sizeof providers / sizeof *providers; i++)
		if (name && !strcmp(providers[i].name, name))
			return &providers[i];
	return NULL;
}

const mlm_provider *
mlm_provider_at(size_t i)
{
	return i < sizeof providers / sizeof *providers ? &providers[i] : NULL;
}

const mlm_catalog_model *
mlm_catalog_model_find(const mlm_provider *p, const char *model)
{
	if (!p || !model)
		return NULL;
	for (const mlm_catalog_model *m = p->models; m->model; m++)
		if (!strcmp(m->model, model))
			return m;
	return NULL;
}
