/* cpu.h -- vector code and specialised loops: one set of switches
 *
 * Every vector path in qgate sits behind these macros and this one function
 * (redis's config.h is the model), and each has a portable twin that gives
 * the same answer byte for byte; differential tests run both.
 *
 * Compile time: QG_SIMD (default 1). `make SIMD=0` (CPPFLAGS -DQG_SIMD=0)
 * compiles every vector path out: only the portable twins are built.
 * - QG_SIMD_SSE2: SSE2 intrinsics may be used (<emmintrin.h>; the x86_64
 *   baseline, so no run-time check is needed for the instructions).
 * - QG_SIMD_AVX2: functions compiled with target("avx2,bmi,bmi2") exist and
 *   are chosen at run time when qg_cpu_level() says QG_CPU_AVX2 (a build
 *   that is already -mavx2 does not need them and leaves them out).
 * On other architectures (aarch64) both are 0 and the portable code runs.
 *
 * Run time: qg_cpu_level() is what the CPU has (checked once, cached),
 * lowered by the environment variable QG_SIMD (read at each call, so tests
 * can switch it):
 *   QG_SIMD=avx2 (or unset)  everything the CPU and the build have
 *   QG_SIMD=sse2             no AVX2 path
 *   QG_SIMD=0 (or scalar)    no vector path that is chosen at run time (the
 *                            CSV splitter's blocks, the validator's record
 *                            test, the profile's sums, the line counter); the
 *                            SSE2 inside per-value helpers inlined into hot
 *                            loops (fastval.h, the JSONL string scan) goes
 *                            only with -DQG_SIMD=0, a branch per value costs
 *   QG_SIMD=general          as 0, and the specialised loops off as well:
 *                            every CSV record split the general way, every
 *                            validated cell through the full check, every
 *                            profiled batch through the per-record path
 * Any other value is exit 2 when a gate starts (qg_env_check(), env.h).
 * Callers ask once per table, run or
 * batch, never per value.
 */
#ifndef QGATE_CPU_H
#define QGATE_CPU_H

#ifndef QG_SIMD
#define QG_SIMD 1
#endif

#if QG_SIMD && defined(__SSE2__)
#define QG_SIMD_SSE2 1
#else
#define QG_SIMD_SSE2 0
#endif

#if QG_SIMD_SSE2 && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(__AVX2__)
#define QG_SIMD_AVX2 1
#else
#define QG_SIMD_AVX2 0
#endif

enum qg_cpu_level {
	QG_CPU_GENERAL = 0, /* no vector code, no specialised loop */
	QG_CPU_SCALAR = 1,  /* specialised loops, portable code */
	QG_CPU_SSE2 = 2,    /* and the SSE2 paths */
	QG_CPU_AVX2 = 3,    /* and the AVX2 paths (with BMI1/BMI2) */
};

/* The level to use now: min(the CPU's, the build's, $QG_SIMD). The CPU is
 * asked once (thread-safe); the environment at every call. */
enum qg_cpu_level qg_cpu_level(void);

/* The CPU's level alone (cached), without $QG_SIMD: for tests. */
enum qg_cpu_level qg_cpu_level_hw(void);

/* "general", "scalar", "sse2", "avx2" */
const char *qg_cpu_level_name(enum qg_cpu_level l);

#endif
