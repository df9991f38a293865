/*
 * Native C reference for batched lookup (RangeList.lookupMany, assembly/list.ts
 * listLookupMany): the same idea as the wasm core, 16 branch-free binary searches over
 * the prefix sums run in lockstep so their cache misses overlap, the rest one by one.
 * Same seeded list and offsets as bench/native/ranges.c (bench/inputs.ts).
 *
 *   bench-lookup-many lookup N REPS SEED [wall|cpu]  ->  one JSON line {"op","n","samples":[ns...],"check":"0x…"}
 *   bench-lookup-many serve [wall|cpu]  ->  per stdin line "lookup N SEED ITERS" one JSON line
 *                                           {"ns":…,"check":"0x…"}, as bench/native/ranges.c serves
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
#include "common.h"





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


/* The seeded list's prefix sums and offsets, as ranges.c and bench/inputs.ts make them. */
typedef struct { size_t n; uint32_t seed; uint64_t total, *pre, *offs, *res; } input;

static void make_input(input *in, size_t n, uint32_t seed) {
  free(in->pre), free(in->offs), free(in->res);
  entry *e = make_list(n, seed);
  in->n = n, in->seed = seed, in->total = 0;
  in->pre = malloc((n ? n : 1) * sizeof *in->pre), in->offs = malloc((n ? n : 1) * sizeof *in->offs);
  for (size_t i = 0; i < n; i++) { in->total += e[i].len; in->pre[i] = in->total; }
  free(e);
  rng_state = seed ^ 0x9e3779b9u;
  for (size_t i = 0; i < n; i++) { uint64_t hi = mulberry32(), lo = mulberry32(); in->offs[i] = ((hi << 32) | lo) % in->total; }
  in->res = malloc((n ? 2 * n : 1) * sizeof *in->res);
}

/* The FNV-1a 64 hash of the {index, intra} pairs: the check against wasm. */
static uint64_t check_of(const input *in) {
  uint64_t h = FNV_BASIS;
  for (size_t i = 0; i < in->n; i++) h = fnv_u64(fnv_u64(h, in->res[2 * i]), in->res[2 * i + 1]);
  return h;
}

/* `serve`: one sample per line of stdin, "lookup N SEED ITERS", answered with
   {"ns":…,"check":"0x…"} (ns: the ITERS lookups together; the check from one untimed
   run). The input stays built between lines of the same N and SEED. */
static int serve(void) {
  static input in;
  char line[256], op[64];
  size_t n;
  unsigned long seed;
  int iters;
  while (fgets(line, sizeof line, stdin)) {
    if (sscanf(line, "%63s %zu %lu %d", op, &n, &seed, &iters) != 4 || iters < 1 || strcmp(op, "lookup")) { fprintf(stderr, "bad request: %s", line); return 2; }
    if (!in.pre || n != in.n || (uint32_t)seed != in.seed) make_input(&in, n, (uint32_t)seed);
    size_t bad = lookup_many(in.pre, n, in.offs, n, in.res);
    if (bad) { fprintf(stderr, "offset %zu past the end\n", bad - 1); return 2; }
    uint64_t check = check_of(&in);
    uint64_t t0 = now_ns();
    for (int r = 0; r < iters; r++) lookup_many(in.pre, n, in.offs, n, in.res);
    uint64_t dt = now_ns() - t0;
    answer(dt, check);
  }
  return 0;
}

int main(int argc, char **argv) {
  keep_freed_blocks();
  if ((argc == 2 || argc == 3) && !strcmp(argv[1], "serve")) {
    if (argc == 3) use_clock(argv[2]);
    return serve();
  }
  if (argc != 5 && argc != 6) { fprintf(stderr, "usage: %s lookup N REPS SEED [wall|cpu]  or  %s serve [wall|cpu]\n", argv[0], argv[0]); return 2; }
  if (argc == 6) use_clock(argv[5]);
  if (strcmp(argv[1], "lookup")) { fprintf(stderr, "unknown op %s\n", argv[1]); return 2; }
  static input in;
  size_t n = strtoull(argv[2], 0, 10);
  int reps = atoi(argv[3]);
  make_input(&in, n, (uint32_t)strtoul(argv[4], 0, 10));
  uint64_t check = 0;
  printf("{\"op\":\"lookup\",\"n\":%zu,\"samples\":[", n);
  for (int r = 0; r < reps; r++) {
    uint64_t t0 = now_ns();
    size_t bad = lookup_many(in.pre, n, in.offs, n, in.res);
    uint64_t dt = now_ns() - t0;
    if (bad) { fprintf(stderr, "offset %zu past the end\n", bad - 1); return 2; }
    check = check_of(&in);
    printf("%s%llu", r ? "," : "", (unsigned long long)dt);
  }
  printf("],\"check\":\"0x%016llx\"}\n", (unsigned long long)check);
  return 0;
}
