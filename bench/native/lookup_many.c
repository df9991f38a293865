/*
 * Native C reference for batched lookup (RangeList.lookupMany, assembly/list.ts
 * listLookupMany): the same idea as the wasm core, 16 branch-free binary searches over
 * the prefix sums run in lockstep so their cache misses overlap, the rest one by one.
 * Same seeded list and offsets as bench/native/ranges.c (bench/inputs.ts).
 *
 *   bench-lookup-many lookup N REPS SEED [wall|cpu]  ->  one JSON line {"op","n","samples":[ns...],"check":"0x…"}
 *
 * The check is the FNV-1a 64 hash of the {index, intra} pairs, as ranges.c's lookup.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <malloc.h>

typedef struct { uint64_t addr, len; } entry;

static uint32_t rng_state;
static uint32_t mulberry32(void) {
  uint32_t t = (rng_state += 0x6D2B79F5u);
  t = (t ^ (t >> 15)) * (t | 1u);
  t ^= t + (t ^ (t >> 7)) * (t | 61u);
  return t ^ (t >> 14);
}

/* Page-aligned entries, about 30% of neighbours adjacent (same as ranges.c). */
static entry *make_list(size_t n, uint32_t seed) {
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
static uint64_t fnv_u64(uint64_t h, uint64_t v) {
  for (int k = 0; k < 8; k++) h = (h ^ ((v >> (8 * k)) & 0xff)) * FNV_PRIME;
  return h;
}

#define LK 16

/* res[2k] = index of the entry holding offs[k], res[2k + 1] = the offset inside it;
   0, or 1 + the position of the first offset past the end. */
static size_t lookup_many(const uint64_t *pre, size_t n, const uint64_t *offs, size_t m, uint64_t *res) {
  uint64_t total = n ? pre[n - 1] : 0;
  size_t k = 0;
  for (; k + LK <= m; k += LK) {
    uint32_t base[LK];
    const uint64_t *o = offs + k;
    for (int j = 0; j < LK; j++) {
      if (o[j] >= total) return k + j + 1;
      base[j] = 0;
    }
    for (uint32_t len = (uint32_t)n; len > 1;) {
      uint32_t half = len >> 1;
      for (int j = 0; j < LK; j++) base[j] = pre[base[j] + half - 1] <= o[j] ? base[j] + half : base[j];
      len -= half;
    }
    for (int j = 0; j < LK; j++) {
      uint32_t i = base[j] + (pre[base[j]] <= o[j]);
      res[2 * (k + j)] = i;
      res[2 * (k + j) + 1] = o[j] - (i ? pre[i - 1] : 0);
    }
  }
  for (; k < m; k++) {
    if (offs[k] >= total) return k + 1;
    size_t lo = 0, hi = n - 1;
    while (lo < hi) { size_t mid = (lo + hi) >> 1; if (pre[mid] > offs[k]) hi = mid; else lo = mid + 1; }
    res[2 * k] = lo;
    res[2 * k + 1] = offs[k] - (lo ? pre[lo - 1] : 0);
  }
  return 0;
}

static clockid_t clock_id = CLOCK_MONOTONIC;
static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(clock_id, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 5 && argc != 6) { fprintf(stderr, "usage: %s lookup N REPS SEED [wall|cpu]\n", argv[0]); return 2; }
  if (argc == 6 && !strcmp(argv[5], "cpu")) clock_id = CLOCK_PROCESS_CPUTIME_ID;
  if (strcmp(argv[1], "lookup")) { fprintf(stderr, "unknown op %s\n", argv[1]); return 2; }
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, -1);
  size_t n = strtoull(argv[2], 0, 10);
  int reps = atoi(argv[3]);
  uint32_t seed = (uint32_t)strtoul(argv[4], 0, 10);
  entry *e = make_list(n, seed);
  uint64_t total = 0, *pre = malloc((n ? n : 1) * sizeof *pre), *offs = malloc((n ? n : 1) * sizeof *offs);
  for (size_t i = 0; i < n; i++) { total += e[i].len; pre[i] = total; }
  rng_state = seed ^ 0x9e3779b9u;
  for (size_t i = 0; i < n; i++) { uint64_t hi = mulberry32(), lo = mulberry32(); offs[i] = ((hi << 32) | lo) % total; }
  uint64_t *res = malloc((n ? 2 * n : 1) * sizeof *res), check = 0;
  printf("{\"op\":\"lookup\",\"n\":%zu,\"samples\":[", n);
  for (int r = 0; r < reps; r++) {
    uint64_t t0 = now_ns();
    size_t bad = lookup_many(pre, n, offs, n, res);
    uint64_t dt = now_ns() - t0;
    if (bad) { fprintf(stderr, "offset %zu past the end\n", bad - 1); return 2; }
    uint64_t h = FNV_BASIS;
    for (size_t i = 0; i < n; i++) h = fnv_u64(fnv_u64(h, res[2 * i]), res[2 * i + 1]);
    check = h;
    printf("%s%llu", r ? "," : "", (unsigned long long)dt);
  }
  printf("],\"check\":\"0x%016llx\"}\n", (unsigned long long)check);
  return 0;
}
