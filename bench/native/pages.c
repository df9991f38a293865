/*
 * Native C reference for the page builder (RangeList.fromPages, assembly/pages.ts):
 * entries from an array of page frame numbers with the semantics of the kernel's
 * sg_alloc_table_from_pages_segment() (lib/scatterlist.c), in two forms, timed here:
 *
 *   kernel:  as the kernel builds an sg_table: a pass counting the chunks (runs of
 *            contiguous pages, cut every max_segment bytes), one zeroed allocation of
 *            32-byte scatterlist records (page_link, offset, length, dma_address,
 *            dma_length), a second pass finding each chunk again and filling its record
 *            (sg_set_page: the page, min(size, chunk bytes - offset), offset). Written
 *            from a reading of lib/scatterlist.c; one flat table (the kernel chains
 *            page-sized ones: that only adds cost here).
 *   onepass: the wasm core's algorithm: one pass into room for one 16-byte {addr, len}
 *            entry per page, each run found two pages per step (a run of one page by
 *            one compare), every page checked
 *            (its bytes must stay below 2^64), the room shrunk to what was used.
 *
 *   bench-pages OP N REPS PATTERN [wall|cpu]  ->  one JSON line {"op","n","samples":[ns...],"check":"0x…"}
 *   bench-pages serve [wall|cpu]  ->  per stdin line "OP N PATTERN ITERS" one JSON line
 *                                     {"ns":…,"check":"0x…"}, as bench/native/ranges.c serves
 *
 * OP: from-pages-kernel from-pages-onepass; PATTERN: contiguous mixed scattered (as
 * bench/pages.ts makes them). The check is the FNV-1a 64 hash of the {addr, len} entries.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <malloc.h>
#include "common.h"

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ull << PAGE_SHIFT)

typedef struct { uint64_t page_link; uint32_t offset, length; uint64_t dma_address; uint32_t dma_length, pad; } sg;


/* The page patterns of bench/pages.ts: every page after the last (contiguous), every
   other page (scattered), or runs broken at about one page in four by a gap of 1..64. */
static uint64_t *make_pages(size_t n, const char *pattern) {
  uint64_t *p = malloc(n * sizeof *p), pfn = 0x100000;
  rng_state = 1;
  for (size_t i = 0; i < n; i++) {
    p[i] = pfn;
    if (!strcmp(pattern, "contiguous")) pfn += 1;
    else if (!strcmp(pattern, "scattered")) pfn += 2;
    else pfn += mulberry32() % 4 == 0 ? 2 + mulberry32() % 64 : 1;
  }
  return p;
}


/* The end of the chunk starting at page cur: the kernel's loop (max_seg in whole pages). */
static size_t chunk_end(const uint64_t *pfn, size_t n, size_t cur, uint64_t max_seg) {
  uint64_t seg_len = 0;
  size_t j = cur + 1;
  for (; j < n; j++) {
    seg_len += PAGE_SIZE;
    if (seg_len >= max_seg || pfn[j] != pfn[j - 1] + 1) break;
  }
  return j;
}

static sg *from_pages_kernel(const uint64_t *pfn, size_t n, uint64_t offset, uint64_t size, uint64_t max_seg, size_t *out_n) {
  size_t chunks = 1;
  uint64_t seg_len = 0;
  for (size_t i = 1; i < n; i++) {
    seg_len += PAGE_SIZE;
    if (seg_len >= max_seg || pfn[i] != pfn[i - 1] + 1) { chunks++; seg_len = 0; }
  }
  sg *t = calloc(chunks, sizeof *t);
  size_t cur = 0;
  for (size_t k = 0; k < chunks; k++) {
    size_t j = chunk_end(pfn, n, cur, max_seg);
    uint64_t chunk = ((uint64_t)(j - cur) << PAGE_SHIFT) - offset, len = size < chunk ? size : chunk;
    t[k].page_link = pfn[cur] << PAGE_SHIFT;
    t[k].offset = (uint32_t)offset;
    t[k].length = (uint32_t)len;
    size -= len;
    offset = 0;
    cur = j;
  }
  t[chunks - 1].page_link |= 2; /* SG_END */
  *out_n = chunks;
  return t;
}

static entry *from_pages_onepass(const uint64_t *pfn, size_t n, uint64_t offset, uint64_t size, uint64_t max_seg, size_t *out_n) {
  entry *e = malloc(n * sizeof *e), *d = e;
  uint64_t run_max = max_seg >> PAGE_SHIFT, acc = 0;
  v2 vacc = { 0, 0 }, two = { 2, 2 };
  size_t cur = 0;
  while (cur < n) {
    uint64_t first = pfn[cur];
    acc |= first;
    size_t lim = n - cur > run_max ? cur + run_max : n, j = cur + 1;
    /* a run of one page is decided by one compare; a longer one goes on two pages a step */
    if (j < lim && pfn[j] == first + 1) {
      acc |= first + 1;
      j++;
      v2 want = { first + 2, first + 3 };
      for (; j + 1 < lim; j += 2) {
        v2 v;
        memcpy(&v, &pfn[j], 16);
        vacc |= v;
        v2 eq = v == want;
        if (!(eq[0] & eq[1])) break;
        want += two;
      }
      if (j < lim) { acc |= pfn[j]; if (pfn[j] == first + (j - cur)) j++; }
    }
    uint64_t chunk = ((uint64_t)(j - cur) << PAGE_SHIFT) - offset, len = size < chunk ? size : chunk;
    d->addr = (first << PAGE_SHIFT) + offset;
    d->len = len;
    d++;
    size -= len;
    offset = 0;
    cur = j;
  }
  acc |= vacc[0] | vacc[1];
  if (acc >> (64 - PAGE_SHIFT)) { free(e); return NULL; }
  *out_n = (size_t)(d - e);
  return realloc(e, (*out_n ? *out_n : 1) * sizeof *e);
}


/* One build of op into its own output (freed by the caller); its entry count in *m. */
static void *build_once(int kernel, const uint64_t *pfn, size_t n, size_t *m) {
  uint64_t size = (uint64_t)n << PAGE_SHIFT, max_seg = 0xffffffffull & ~(PAGE_SIZE - 1);
  return kernel ? (void *)from_pages_kernel(pfn, n, 0, size, max_seg, m) : (void *)from_pages_onepass(pfn, n, 0, size, max_seg, m);
}

/* The FNV-1a 64 hash of an output's {addr, len} entries: the check against wasm. */
static uint64_t check_of(int kernel, const void *out, size_t m) {
  uint64_t h = FNV_BASIS;
  for (size_t i = 0; i < m; i++) {
    uint64_t a, l;
    if (kernel) { const sg *s = (const sg *)out + i; a = (s->page_link & ~3ull) + s->offset; l = s->length; }
    else { const entry *e = (const entry *)out + i; a = e->addr; l = e->len; }
    h = fnv_u64(fnv_u64(h, a), l);
  }
  return h;
}

static int op_kind(const char *op) {
  if (!strcmp(op, "from-pages-kernel")) return 1;
  if (!strcmp(op, "from-pages-onepass")) return 0;
  fprintf(stderr, "unknown op %s\n", op);
  return -1;
}

/* `serve`: one sample per line of stdin, "OP N PATTERN ITERS", answered with
   {"ns":…,"check":"0x…"} (ns: the ITERS builds together, each output freed in the timed
   loop as the wasm side disposes its list; the check from one untimed build). The pages
   stay made between lines of the same N and PATTERN, so Node can alternate sample by sample. */
static int serve(void) {
  char line[256], op[64], pattern[64], have[64] = "";
  size_t n, have_n = 0;
  int iters;
  uint64_t *pfn = NULL;
  while (fgets(line, sizeof line, stdin)) {
    if (sscanf(line, "%63s %zu %63s %d", op, &n, pattern, &iters) != 4 || iters < 1) { fprintf(stderr, "bad request: %s", line); return 2; }
    int kernel = op_kind(op);
    if (kernel < 0) return 2;
    if (!pfn || n != have_n || strcmp(pattern, have)) {
      free(pfn);
      pfn = make_pages(n, pattern);
      have_n = n;
      snprintf(have, sizeof have, "%s", pattern);
    }
    size_t m = 0;
    void *out = build_once(kernel, pfn, n, &m);
    uint64_t check = check_of(kernel, out, m);
    free(out);
    uint64_t t0 = now_ns();
    for (int r = 0; r < iters; r++) free(build_once(kernel, pfn, n, &m));
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
  if (argc != 5 && argc != 6) { fprintf(stderr, "usage: %s OP N REPS PATTERN [wall|cpu]  or  %s serve [wall|cpu]\n", argv[0], argv[0]); return 2; }
  if (argc == 6) use_clock(argv[5]);
  const char *op = argv[1];
  size_t n = strtoull(argv[2], 0, 10);
  int reps = atoi(argv[3]);
  uint64_t *pfn = make_pages(n, argv[4]);
  int kernel = op_kind(op);
  if (kernel < 0) return 2;
  printf("{\"op\":\"%s\",\"n\":%zu,\"samples\":[", op, n);
  uint64_t check = 0;
  for (int r = 0; r < reps; r++) {
    size_t m = 0;
    uint64_t t0 = now_ns();
    void *out = build_once(kernel, pfn, n, &m);
    uint64_t dt = now_ns() - t0;
    /* untimed: the check that proves wasm and C computed the same */
    check = check_of(kernel, out, m);
    free(out);
    printf("%s%llu", r ? "," : "", (unsigned long long)dt);
  }
  printf("],\"check\":\"0x%016llx\"}\n", (unsigned long long)check);
  return 0;
}
