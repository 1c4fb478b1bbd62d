/* cpu.c -- the one CPU check and the QG_SIMD switch (include/qgate/cpu.h)
 *
 * The CPU is asked once through __builtin_cpu_supports (x86_64 with GCC or
 * clang); the answer is cached in an atomic int, so threads may ask at the
 * same time. The environment is read at every call: a caller asks once per
 * table or run, and tests switch QG_SIMD between runs.
 */
#include "qgate/common.h"

#include <stdatomic.h>

#include "qgate/cpu.h"
#include "qgate/env.h"

static atomic_int hw_level = -1;

enum qg_cpu_level qg_cpu_level_hw(void)
{
	int l = atomic_load_explicit(&hw_level, memory_order_relaxed);

	if (l >= 0)
		return (enum qg_cpu_level)l;
	l = QG_CPU_SCALAR;
#if QG_SIMD_SSE2
	l = QG_CPU_SSE2;
#endif
#if QG_SIMD_AVX2
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2"))
		l = QG_CPU_AVX2;
#endif
	atomic_store_explicit(&hw_level, l, memory_order_relaxed);
	return (enum qg_cpu_level)l;
}

static int env_level(void)
{
	/* the order of qg_env_simd_values; an invalid value stopped the gate
	 * at start (qg_env_check(), exit 2), so here it only counts as unset */
	static const enum qg_cpu_level levels[] = { QG_CPU_AVX2, QG_CPU_SSE2, QG_CPU_SCALAR,
						    QG_CPU_SCALAR, QG_CPU_SCALAR, QG_CPU_GENERAL };
	int i;

	_Static_assert(QG_ARRAY_SIZE(levels) == 6, "one level per QG_SIMD value");
	if (qg_env_choice("QG_SIMD", qg_env_simd_values, qg_env_simd_count, &i) < 0 || i < 0 ||
	    (size_t)i >= QG_ARRAY_SIZE(levels))
		return QG_CPU_AVX2;
	return (int)levels[i];
}

enum qg_cpu_level qg_cpu_level(void)
{
	int hw = (int)qg_cpu_level_hw(), env = env_level();

	return (enum qg_cpu_level)(env < hw ? env : hw);
}

const char *qg_cpu_level_name(enum qg_cpu_level l)
{
	switch (l) {
	case QG_CPU_GENERAL: return "general";
	case QG_CPU_SCALAR: return "scalar";
	case QG_CPU_SSE2: return "sse2";
	case QG_CPU_AVX2: return "avx2";
	}
	return "?";
}
