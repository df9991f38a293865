/*
 * What the C programs of bench/native/ share: the entry layout, the seeded generator and
 * the list it makes (the same as bench/inputs.ts), FNV-1a 64 (the check every result is
 * compared by) and the sample clock. Included by ranges.c, pages.c and lookup_many.c.
 */
#ifndef BENCH_NATIVE_COMMON_H
#define BENCH_NATIVE_COMMON_H
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <stdio.h>
#include <string.h>
#include <malloc.h>

typedef struct { uint64_t addr, len; } entry;
/* two u64 lanes: SSE2 through gcc vector extensions (wasm's v128) */
typedef uint64_t v2 __attribute__((vector_size(16)));

static uint32_t rng_state;
static inline uint32_t mulberry32(void) {
  uint32_t t = (rng_state += 0x6D2B79F5u);
  t = (t ^ (t >> 15)) * (t | 1u);
  t ^= t + (t ^ (t >> 7)) * (t | 61u);
  return t ^ (t >> 14);
}

/* Page-aligned entries, about 30% of neighbours adjacent (same as bench/inputs.ts). */
static inline entry *make_list(size_t n, uint32_t seed) {
  entry *e = malloc(n * sizeof *e);
  rng_state = seed;
  uint64_t addr = 0x100000000ull;
  for (size_t i = 0; i < n; i++) {
    uint32_t pages = 1 + mulberry32() % 16;
    if (mulberry32() % 10 >= 3) addr += (uint64_t)(1 + mulberry32() % 256) * 4096;
    e[i].addr = addr;
    e[i].len = (uint64_t)pages * 4096;
    addr += e[i].len;
  }
  return e;
}

static const uint64_t FNV_BASIS = 0xcbf29ce484222325ull, FNV_PRIME = 0x100000001b3ull;
static inline uint64_t fnv_u64(uint64_t h, uint64_t v) {
  for (int k = 0; k < 8; k++) h = (h ^ ((v >> (8 * k)) & 0xff)) * FNV_PRIME;
  return h;
}

/* wall: CLOCK_MONOTONIC; cpu: CPU time of this process (what the Node side measures
   with process.cpuUsage() under --clock cpu) */
static clockid_t clock_id = CLOCK_MONOTONIC;
static inline uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(clock_id, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* "cpu" picks the process's CPU time for the samples; anything else keeps wall time. */
static inline void use_clock(const char *name) {
  if (!strcmp(name, "cpu")) clock_id = CLOCK_PROCESS_CPUTIME_ID;
}

/* Freed blocks stay in the heap for reuse, as the wasm heap keeps them: never mmap
   (M_MMAP_THRESHOLD caps at 32 MiB) and never trim, or a 1.6 GB output would be fresh
   pages (400,000 page faults) every rep. */
static inline void keep_freed_blocks(void) {
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, -1);
}

/* One served sample of a program without floors: its time and its check, one line. */
static inline void answer(uint64_t ns, uint64_t check) {
  printf("{\"ns\":%llu,\"check\":\"0x%016llx\"}\n", (unsigned long long)ns, (unsigned long long)check);
  fflush(stdout);
}
#endif
