/*
 * Native C reference for the range-list benchmarks: the same algorithms as the wasm
 * core (assembly/list.ts), on the same seeded inputs (bench/inputs.ts), timed here.
 *
 *   bench-native OP N REPS SEED|@FILE [wall|cpu]  ->  one JSON line {"op","n","samples":[ns...],"check":"0x…"}
 *
 * OP: coalesce split split-mask slice lookup iterate iterate-js hash map-pipeline map-pipeline-direct,
 * or floor:OP (the least work OP can do over the bytes it must touch; see floor_run)
 *
 *   bench-native serve [wall|cpu]  ->  per stdin line "OP N SOURCE ITERS" one JSON line (see serve)
 */
#define _POSIX_C_SOURCE 199309L
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <stdint.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <malloc.h>
#include "common.h"




static uint64_t hash(const entry *e, size_t n) {
  uint64_t h = FNV_BASIS;
  for (size_t i = 0; i < n; i++) h = fnv_u64(fnv_u64(h, e[i].addr), e[i].len);
  return h;
}

static int valid(uint64_t a, uint64_t l) { return l != 0 && l - 1 <= ~a; }

/* One pass, branch-free like assembly/list.ts: the current run is rewritten at d every
   step and d moves on when a run ends; validity is folded into the same pass. */
/* One pass: validity is folded into the merge loop (the first bad entry is only looked
   for when there is one), as in assembly/list.ts. */
static entry *coalesce(const entry *s, size_t n, size_t *out_n) {
  entry *d = malloc((n ? n : 1) * sizeof *d);
  size_t m = 0;
  int bad = 0;
  if (n) {
    uint64_t ra = s[0].addr, rl = s[0].len;
    bad = !valid(ra, rl);
    for (size_t i = 1; i < n; i++) {
      uint64_t a = s[i].addr, l = s[i].len, re = ra + rl;
      bad |= (l - 1 > ~a) | (l == 0);
      if (re == a && re != 0 && rl + l > rl) rl += l;
      else { d[m].addr = ra; d[m].len = rl; m++; ra = a; rl = l; }
    }
    d[m].addr = ra; d[m].len = rl; m++;
  }
  if (bad) { free(d); return NULL; }
  *out_n = m;
  return d;
}

/* The pieces of one valid entry (1 when it needs no cut), or UINT64_MAX when more than a
   list holds (LIST_MAX = 2^28 - 1, as the wasm core's lists). */
#define LIST_MAX 0x0FFFFFFFull
static uint64_t split_pieces(uint64_t a, uint64_t l, uint64_t max_seg, uint64_t mask) {
  int no_mask = mask == UINT64_MAX;
  if (l <= max_seg && (no_mask || (a & mask) + (l - 1) <= mask)) return 1;
  if ((l - 1) / max_seg >= LIST_MAX) return UINT64_MAX;
  uint64_t pieces = 0;
  if (no_mask) pieces = (l - 1) / max_seg + 1;
  else if (max_seg > mask) pieces = (((a & mask) + (l - 1)) >> __builtin_ctzll(mask + 1)) + 1;
  else
    while (l) {
      uint64_t seg = l < max_seg ? l : max_seg, room = mask - (a & mask) + 1;
      if (seg > room) seg = room;
      a += seg; l -= seg;
      if (++pieces > LIST_MAX) break;
    }
  return pieces > LIST_MAX ? UINT64_MAX : pieces;
}

/* One pass, as assembly/list.ts listSplit: entries are checked as they are written, into
   a block sized for the common case (one piece an entry; three when windows cut them),
   grown by doubling when an entry needs more. Fast loops for the common cases (no mask:
   two entries checked and copied a step; windows: an entry touching c <= 3 windows
   written without a branch on c), the general way for an entry they leave. */
static entry *split(const entry *s, size_t n, uint64_t max_seg, uint64_t mask, size_t *out_n) {
  int no_mask = mask == UINT64_MAX, windows = !no_mask && max_seg > mask, bad = 0, fail = 0;
  size_t cap = n * (windows ? 3 : 1);
  entry *base = malloc((cap ? cap : 1) * sizeof *base), *d = base;
  size_t i = 0;
  while (i < n) {
    if (no_mask) {
      size_t room = cap - (size_t)(d - base), stop = i + ((n - i < room ? n - i : room) & ~(size_t)1);
      for (; i < stop; i += 2, d += 2) {
        uint64_t a0 = s[i].addr, l0 = s[i].len, a1 = s[i + 1].addr, l1 = s[i + 1].len;
        if ((l0 - 1 >= max_seg) | (l0 - 1 > ~a0) | (l1 - 1 >= max_seg) | (l1 - 1 > ~a1)) break;
        memcpy(d, s + i, 2 * sizeof *d);
      }
    } else if (windows) {
      int sh = __builtin_ctzll(mask + 1);
      uint64_t w = mask + 1;
      size_t room = (cap - (size_t)(d - base)) / 3, stop = n - i < room ? n : i + room;
      for (; i < stop; i++) {
        uint64_t a = s[i].addr, l = s[i].len, l1 = l - 1, e = a + l1, r = a & mask;
        bad |= (e < a) | (l == 0);
        uint64_t c1 = (r + l1) >> sh; /* windows touched - 1 (for a valid entry) */
        if (c1 > 2) break;
        d[1].addr = a - r + w; d[1].len = w;
        entry *q = d + c1;
        q->addr = e & ~mask; q->len = (e & mask) + 1;
        uint64_t cut = -(uint64_t)(c1 != 0); /* all ones when the entry is cut (a select) */
        d[0].addr = a; d[0].len = l ^ ((l ^ (w - r)) & cut);
        d = q + 1;
      }
    }
    if (i >= n || bad) break;
    size_t stop = no_mask || windows ? i + 1 : n;
    for (; i < stop; i++) {
      uint64_t a = s[i].addr, l = s[i].len;
      if (!valid(a, l)) { fail = 1; break; }
      uint64_t c = split_pieces(a, l, max_seg, mask);
      size_t used = (size_t)(d - base);
      if (c == UINT64_MAX || used + c > LIST_MAX) { fail = 1; break; }
      if (cap - used < c) {
        cap = used + c > 2 * cap ? used + c : 2 * cap;
        base = realloc(base, cap * sizeof *base);
        d = base + used;
      }
      if (c == 1) { d->addr = a; d->len = l; d++; continue; }
      while (l) {
        uint64_t seg = l < max_seg ? l : max_seg;
        if (!no_mask) { uint64_t rm = mask - (a & mask) + 1; if (seg > rm) seg = rm; }
        d->addr = a; d->len = seg; d++; a += seg; l -= seg;
      }
    }
    if (fail) break;
  }
  if (bad || fail) { free(base); return NULL; }
  *out_n = (size_t)(d - base);
  return realloc(base, (*out_n ? *out_n : 1) * sizeof *base);
}

/* The chunk cursor of assembly/cursor.ts: up to max chunks of at most k bytes (k = 0:
   whole entries), never spanning two entries; the full chunks of an entry go out in a
   counted loop (a shift, not a division, when k is a power of two). */
typedef struct { const entry *e; size_t n, pos; uint64_t off, k; } cursor;
static size_t cursor_next(cursor *c, entry *out, size_t max) {
  uint64_t kk = c->k ? c->k : UINT64_MAX;
  int pow2 = (kk & (kk - 1)) == 0, ks = __builtin_ctzll(kk);
  entry *o = out, *end = out + max;
  size_t pos = c->pos;
  uint64_t off = c->off;
  while (o < end && pos < c->n) {
    uint64_t l = c->e[pos].len, a = c->e[pos].addr + off, rem = l - off;
    if (rem > kk) {
      size_t full = pow2 ? (rem - 1) >> ks : (rem - 1) / kk, room = (size_t)(end - o);
      if (full > room) full = room;
      for (entry *stop = o + full; o < stop; o++, a += kk) { o->addr = a; o->len = kk; }
      rem -= full * kk;
    }
    if (o == end) { off = l - rem; break; }
    if (rem) { o->addr = a; o->len = rem; o++; }
    off = 0;
    pos++;
  }
  c->pos = pos;
  c->off = off;
  return (size_t)(o - out);
}

/* The fused chunk reduction of assembly/cursor.ts chunkSummary: the count, bytes and
   address XOR of the chunks of at most k bytes (k = 0: whole entries), in one pass; for
   a power-of-two k each entry takes O(1): the XOR of a run of consecutive integers has a
   closed form. Returns 0 when the bytes pass 2^64 - 1. */
static inline uint64_t xor_up_to(uint64_t n) {
  /* n, 1, n + 1, 0 for n % 4 = 0, 1, 2, 3, without a branch */
  return (n & ~1ull & ((n & 1) - 1)) | ((n ^ (n >> 1)) & 1);
}
static int chunk_summary(const entry *e, size_t n, uint64_t k, uint64_t *count_out, uint64_t *bytes_out, uint64_t *xor_out) {
  uint64_t count = 0, bytes = 0, x = 0;
  int ovf = 0;
  if (!k) {
    for (size_t i = 0; i < n; i++) {
      uint64_t a = e[i].addr, l = e[i].len, t = bytes + l;
      ovf |= t < bytes;
      bytes = t;
      uint64_t one = l != 0;
      count += one;
      x ^= a & (0 - one);
    }
  } else if ((k & (k - 1)) == 0) {
    int s = __builtin_ctzll(k);
    size_t i = 0;
    if (k <= 0x100000000ull) {
      /* two entries per step in 128-bit lanes (SSE2 through gcc vector extensions), as
         sumPairs in assembly/cursor.ts (see there): the lanes hold a and en = a + (m << s);
         the parts linear in XOR are summed and masked once at the end, the count comes
         from the sum of m << s, the bytes from their sum mod 2^64 and the sum of their
         high halves */
      v2 vm = { k - 1, k - 1 }, vk = { k, k }, zero = { 0, 0 };
      v2 vl = zero, vh = zero, vM = zero, vT = zero, vU = zero;
      for (; i + 2 <= n; i += 2) {
        v2 e0, e1;
        memcpy(&e0, &e[i], 16);
        memcpy(&e1, &e[i + 1], 16);
        v2 a = __builtin_shuffle(e0, e1, (v2){ 0, 2 }), l = __builtin_shuffle(e0, e1, (v2){ 1, 3 });
        vl += l;
        vh += l >> 32;
        v2 mm = (l + vm) & ~vm;
        vM += mm;
        /* en = a + (m << s): its bits from s up are (q + m) << s, its low bits c */
        v2 en = a + mm;
        /* "the value if its bit s is set": SSE2 has no 64-bit compare (wasm uses one), so
           the mask is 0 - (bit s moved to bit 0) */
        vT ^= (en & (zero - ((en & vk) >> s))) ^ (a & (zero - ((a & vk) >> s)));
        vU ^= en ^ a;
      }
      bytes = vl[0] + vl[1];
      uint64_t hi = vh[0] + vh[1];
      hi += (bytes - (hi << 32)) >> 32;
      ovf = hi > 0xffffffffull;
      uint64_t p = vM[0] + vM[1] - bytes, u = vU[0] ^ vU[1];
      count = (bytes >> s) + (((bytes & (k - 1)) + p) >> s);
      x = ((vT[0] ^ vT[1]) & ~k) ^ ((u >> 1) & k);
    }
    for (; i < n; i++) {
      uint64_t a = e[i].addr, l = e[i].len, t = bytes + l, mask = k - 1;
      ovf |= t < bytes;
      bytes = t;
      uint64_t m = (l >> s) + (((l & mask) + mask) >> s), q = a >> s;
      count += m;
      x ^= ((xor_up_to(q + m - 1) ^ xor_up_to(q - 1)) << s) | (a & mask & (0 - (m & 1)));
    }
  } else {
    for (size_t i = 0; i < n; i++) {
      uint64_t a = e[i].addr, l = e[i].len, t = bytes + l;
      ovf |= t < bytes;
      bytes = t;
      if (!l) continue;
      uint64_t m = (l - 1) / k + 1;
      count += m;
      for (uint64_t j = 0; j < m; j++, a += k) x ^= a;
    }
  }
  if (ovf) return 0;
  *count_out = count;
  *bytes_out = bytes;
  *xor_out = x;
  return 1;
}

static uint64_t *prefix(const entry *e, size_t n) {
  uint64_t *pre = malloc((n ? n : 1) * sizeof *pre), s = 0;
  for (size_t i = 0; i < n; i++) { s += e[i].len; pre[i] = s; }
  return pre;
}
static size_t find(const uint64_t *pre, size_t n, uint64_t off) {
  size_t lo = 0, hi = n - 1;
  while (lo < hi) { size_t mid = (lo + hi) >> 1; if (pre[mid] > off) hi = mid; else lo = mid + 1; }
  return lo;
}

static int cmp_rec(const void *x, const void *y) {
  const uint64_t *a = x, *b = y;
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1];
}

/* export (validate, disjoint, sum) + IOVA + sgt map (split) + hash + unmap; iommu: one region */
static uint64_t pipeline(const entry *e, size_t n, int iommu) {
  uint64_t total = 0;
  for (size_t i = 0; i < n; i++) {
    if (!valid(e[i].addr, e[i].len) || (e[i].addr | e[i].len) & 4095) return 0;
    total += e[i].len;
  }
  int sorted = 1;
  for (size_t k = 1; k < n && sorted; k++) {
    if (e[k - 1].addr > e[k].addr) sorted = 0;
    else if (e[k - 1].addr + e[k - 1].len - 1 >= e[k].addr) return 0;
  }
  uint64_t *rec = sorted ? NULL : malloc(n * 2 * sizeof *rec);
  if (!sorted) {
  for (size_t i = 0; i < n; i++) { rec[2 * i] = e[i].addr; rec[2 * i + 1] = i; }
  qsort(rec, n, 2 * sizeof *rec, cmp_rec);
  for (size_t k = 1; k < n; k++) {
    const entry *p = &e[rec[2 * (k - 1) + 1]];
    if (p->addr + p->len - 1 >= e[rec[2 * k + 1]].addr) { free(rec); return 0; }
  }
  free(rec);
  }
  size_t m = 0;
  entry one = { 0x100000000ull, total };
  entry *segs = iommu ? split(&one, 1, 0x10000, 0xffffffffull, &m) : split(e, n, 0x10000, 0xffffffffull, &m);
  /* the sgt container: 32-byte scatterlist entries */
  uint64_t *sg = malloc(m * 32);
  for (size_t i = 0; i < m; i++) {
    sg[4 * i] = i + 1 == m ? 2 : 0; sg[4 * i + 1] = 0; sg[4 * i + 2] = segs[i].addr; sg[4 * i + 3] = segs[i].len;
  }
  uint64_t h = FNV_BASIS;
  for (size_t i = 0; i < m; i++) h = fnv_u64(fnv_u64(h, sg[4 * i + 2]), (uint32_t)sg[4 * i + 3]);
  free(sg);
  free(segs);
  return h;
}


/* The inputs of one n and source, built once and kept between samples (as the wasm side
   keeps its list): the list, its prefix sums (cached, as the core caches them per list),
   the lookup offsets and result buffer, and the floors' output buffer. */
typedef struct {
  size_t n;
  char source[512];
  int pages; /* the map-pipeline input: every other 4 KiB page */
  entry *e;
  uint64_t *pre, *offs, *res, total;
  uint32_t seed;
  void *fbuf;
  size_t fbuf_bytes;
} state;

/* 1 when the inputs were (re)built, 0 when kept, 2 on a bad source */
static int load_state(state *s, const char *op, size_t n, const char *source) {
  int pages = !strncmp(op, "map-pipeline", 12) || !strncmp(op, "floor:map-pipeline", 18);
  if (s->e && s->n == n && s->pages == pages && !strcmp(s->source, source)) return 0;
  free(s->e); free(s->pre); free(s->offs); free(s->res);
  if (s->fbuf) munmap(s->fbuf, s->fbuf_bytes);
  memset(s, 0, sizeof *s);
  s->n = n;
  s->pages = pages;
  snprintf(s->source, sizeof s->source, "%s", source);
  uint32_t seed = (uint32_t)strtoul(source, 0, 10);
  if (source[0] == '@') {
    /* a user's list (dmabuf-map bench --input): n little-endian u64 addr, len pairs */
    FILE *f = fopen(source + 1, "rb");
    s->e = malloc((n ? n : 1) * sizeof *s->e);
    if (!f || fread(s->e, sizeof *s->e, n, f) != n) { fprintf(stderr, "cannot read %zu entries from %s\n", n, source + 1); return 2; }
    fclose(f);
    seed = 1; /* the lookup offsets are drawn as for the generated lists */
  } else if (pages) {
    /* 1 GiB of 4 KiB pages, every other page: disjoint and never adjacent */
    s->e = malloc((n ? n : 1) * sizeof *s->e);
    for (size_t i = 0; i < n; i++) { s->e[i].addr = 0x100000000ull + (uint64_t)i * 8192; s->e[i].len = 4096; }
  } else s->e = make_list(n, seed);
  for (size_t i = 0; i < n; i++) s->total += s->e[i].len;
  s->seed = seed;
  s->pre = prefix(s->e, n);
  return 1;
}

/* lookup's offsets and result pairs (24 bytes per entry), made when a lookup first asks:
   at 10^8 entries the other ops could not afford them */
static void need_lookup(state *s) {
  if (s->offs) return;
  size_t n = s->n;
  s->offs = malloc((n ? n : 1) * sizeof *s->offs);
  rng_state = s->seed ^ 0x9e3779b9u;
  for (size_t i = 0; i < n; i++) { uint64_t hi = mulberry32(), lo = mulberry32(); s->offs[i] = s->total ? ((hi << 32) | lo) % s->total : 0; }
  s->res = malloc((n ? n : 1) * 2 * sizeof *s->res);
}

/* ---- floors: the least work an op can do, over exactly the bytes it must touch ---- */

/* A read pass: every 8-byte word once (vectorised by the compiler; the XOR keeps it). */
static uint64_t read_pass(const void *p, size_t bytes) {
  const uint64_t *w = p;
  uint64_t x0 = 0, x1 = 0;
  size_t k = bytes / 8, i = 0;
  for (; i + 2 <= k; i += 2) { x0 ^= w[i]; x1 ^= w[i + 1]; }
  if (i < k) x0 ^= w[i];
  return x0 ^ x1;
}

/* The floors' output buffer, mapped apart from the malloc heap: carved from it, it would
   take the block an op's output had freed, and the op's next output would be fresh pages
   (a first C sample ten times slower than the rest). */
static void *floor_buf(state *s, size_t bytes) {
  if (s->fbuf_bytes < bytes) {
    if (s->fbuf) munmap(s->fbuf, s->fbuf_bytes);
    s->fbuf = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (s->fbuf == MAP_FAILED) { fprintf(stderr, "floor: cannot map %zu bytes\n", bytes); exit(2); }
    s->fbuf_bytes = bytes;
    memset(s->fbuf, 0, bytes);
  }
  return s->fbuf;
}

/* Reads `r` bytes of src and writes `w` bytes of output in one pass: memcpy of the common
   part, then a read pass over the rest of the input or a fill of the rest of the output. */
static uint64_t read_write(state *s, const void *src, size_t r, size_t w) {
  unsigned char *d = floor_buf(s, w);
  size_t c = r < w ? r : w;
  memcpy(d, src, c);
  uint64_t x = read_pass((const unsigned char *)src + c, r - c);
  if (w > c) memset(d + c, 0x5a, w - c);
  return x ^ (w ? d[w - 1] : 0);
}

/* The bytes an op reads and writes (its floor's work): the output sizes come from one
   untimed run of the op. */
static int op_run(state *s, const char *op, int want_check, uint64_t *check);
static void floor_bytes(state *s, const char *op, size_t *r, size_t *w) {
  size_t n = s->n, m = 0;
  entry *out = NULL;
  *r = n * sizeof(entry);
  *w = 0;
  if (!strcmp(op, "coalesce")) out = coalesce(s->e, n, &m);
  else if (!strcmp(op, "split")) out = split(s->e, n, 0x10000, UINT64_MAX, &m);
  else if (!strcmp(op, "split-mask")) out = split(s->e, n, 0xffffffffull, 0x7fff, &m);
  else if (!strcmp(op, "map-pipeline")) { entry one = { 0x100000000ull, s->total }; out = split(&one, 1, 0x10000, 0xffffffffull, &m); m *= 2; }
  else if (!strcmp(op, "map-pipeline-direct")) { out = split(s->e, n, 0x10000, 0xffffffffull, &m); m *= 2; } /* 32-byte sgt records */
  else if (!strcmp(op, "slice") && s->total / 2) {
    size_t i = find(s->pre, n, s->total / 4), j = find(s->pre, n, s->total / 4 + s->total / 2 - 1);
    *r = (j - i + 1) * sizeof(entry);
    m = j - i + 1;
  } else if (!strcmp(op, "lookup")) { *r = n * 16; m = n; } /* offsets + one prefix word per lookup */
  free(out);
  *w = m * sizeof(entry);
}

/* The floor of op: coalesce, split, split-mask, slice, map-pipeline*: one pass reading the
   op's input and writing its output bytes; iterate, iterate-js: a read pass over the list;
   lookup: the offsets read, one independent random read of the prefix sums per offset, the
   pairs written; hash: a bare FNV-1a chain over the list's bytes. */
static size_t floor_r[16], floor_w[16];
static char floor_op[16][32];
static int floor_k;
static uint64_t floor_run(state *s, const char *op) {
  int k = 0;
  while (k < floor_k && strcmp(floor_op[k], op)) k++;
  if (k == floor_k) {
    if (k == 16) return 0;
    snprintf(floor_op[k], sizeof floor_op[k], "%s", op);
    floor_bytes(s, op, &floor_r[k], &floor_w[k]);
    floor_k++;
  }
  size_t n = s->n;
  if (!strcmp(op, "hash")) {
    const unsigned char *b = (const unsigned char *)s->e;
    uint64_t h = FNV_BASIS;
    for (size_t i = 0; i < n * sizeof(entry); i++) h = (h ^ b[i]) * FNV_PRIME;
    return h;
  }
  if (!strcmp(op, "iterate") || !strcmp(op, "iterate-js")) return read_pass(s->e, n * sizeof(entry));
  if (!strcmp(op, "lookup")) {
    /* index = offset * n / total by a multiply-high: no search, one load per offset */
    uint64_t mul = s->total ? (uint64_t)(((unsigned __int128)n << 64) / ((unsigned __int128)s->total + 1)) : 0, x = 0;
    for (size_t k2 = 0; k2 < n; k2++) {
      size_t i = (size_t)(((unsigned __int128)s->offs[k2] * mul) >> 64);
      uint64_t p = s->pre[i];
      s->res[2 * k2] = i; s->res[2 * k2 + 1] = s->offs[k2] - p;
      x ^= p;
    }
    return x;
  }
  if (!strcmp(op, "slice")) {
    size_t i = s->total / 2 ? find(s->pre, n, s->total / 4) : 0;
    return read_write(s, s->e + i, floor_r[k], floor_w[k]);
  }
  return read_write(s, s->e, floor_r[k], floor_w[k]);
}

/* Runs op once on the state's input; with want_check, *check is the hash of its result
   (what proves wasm and C computed the same: never timed). 0, or 2 for an unknown op. */
static volatile uint64_t sink; /* keeps a value-only op from being optimised away */
static int op_run(state *s, const char *op, int want_check, uint64_t *check) {
  size_t n = s->n, m = 0;
  entry *out = NULL;
  uint64_t value = 0, total = s->total, *pre = s->pre;
  int lookup = 0;
  if (strstr(op, "lookup")) need_lookup(s);
  if (!strcmp(op, "coalesce")) out = coalesce(s->e, n, &m);
  else if (!strcmp(op, "split")) out = split(s->e, n, 0x10000, UINT64_MAX, &m);
  else if (!strcmp(op, "split-mask")) out = split(s->e, n, 0xffffffffull, 0x7fff, &m);
  else if (!strcmp(op, "hash")) value = hash(s->e, n);
  else if (!strcmp(op, "slice")) {
    uint64_t off = total / 4, len = total / 2;
    /* an empty slice (a list of 1 byte: len = 0) is an empty list, as in wasm; off + len - 1
       would wrap to 2^64 - 1 */
    if (len == 0) m = 0, out = malloc(sizeof *out);
    else {
      size_t i = find(pre, n, off), j = find(pre, n, off + len - 1);
      m = j - i + 1;
      out = malloc(m * sizeof *out);
      memcpy(out, s->e + i, m * sizeof *out);
      uint64_t head = off - (pre[i] - s->e[i].len);
      out[0].addr += head; out[0].len -= head;
      out[m - 1].len -= pre[j] - (off + len);
    }
  } else if (!strcmp(op, "lookup")) {
    lookup = 1;
    for (size_t k = 0; k < n; k++) {
      size_t i = find(pre, n, s->offs[k]);
      s->res[2 * k] = i;
      s->res[2 * k + 1] = s->offs[k] - (i ? pre[i - 1] : 0); /* as in wasm: where entry i - 1 ends */
    }
  } else if (!strcmp(op, "iterate")) {
    /* the fused reduction of the 4 KiB chunks: count, bytes, XOR of their addresses */
    uint64_t sum[3] = {0, 0, 0};
    if (!chunk_summary(s->e, n, 4096, &sum[0], &sum[1], &sum[2])) { fprintf(stderr, "iterate: bytes overflow\n"); return 2; }
    /* checked as the hash of the list {count, bytes}, {xor, 0} */
    entry two[2] = { { sum[0], sum[1] }, { sum[2], 0 } };
    value = hash(two, 2);
  } else if (!strcmp(op, "iterate-js")) {
    /* the chunk cursor: batches of 4096 chunks of at most 4 KiB, each handed to a
       consumer folding (count << 32) | xor of the low addr words */
    static entry batch[4096];
    cursor c = { s->e, n, 0, 0, 4096 };
    uint32_t x = 0;
    uint64_t cnt = 0;
    size_t b;
    while ((b = cursor_next(&c, batch, 4096)) > 0) {
      for (size_t j = 0; j < b; j++) x ^= (uint32_t)batch[j].addr;
      cnt += b;
    }
    value = (cnt << 32) | x;
  } else if (!strcmp(op, "map-pipeline")) value = pipeline(s->e, n, 1);
  else if (!strcmp(op, "map-pipeline-direct")) value = pipeline(s->e, n, 0);
  else if (!strncmp(op, "floor:", 6)) value = floor_run(s, op + 6);
  else { fprintf(stderr, "unknown op %s\n", op); return 2; }
  if (want_check) *check = out ? hash(out, m) : lookup ? hash((const entry *)s->res, n) : value;
  else if (!out && !lookup) sink = value;
  /* the output counts as read: a compiler may not drop the work of a buffer freed unread */
  __asm__ volatile("" : : "r"(out), "r"(s->res) : "memory");
  free(out);
  return 0;
}

/* `serve`: one sample per line of stdin, "OP N SOURCE ITERS", answered with one JSON line
   {"ns":…,"check":"0x…"} (ns: the ITERS runs together); for a floor:OP also the bytes it
   reads and writes. The inputs stay built between lines of the same N and SOURCE, so the
   Node side can alternate implementations sample by sample. */
static int serve(void) {
  static state s;
  static char checked_op[32][64];
  static uint64_t checked_val[32];
  int checked = 0;
  char line[1024], op[64], source[512];
  size_t n;
  int iters;
  while (fgets(line, sizeof line, stdin)) {
    if (sscanf(line, "%63s %zu %511s %d", op, &n, source, &iters) != 4 || iters < 1) { fprintf(stderr, "bad request: %s", line); return 2; }
    int built = load_state(&s, op, n, source);
    if (built == 2) return 2;
    if (built) checked = 0, floor_k = 0; /* new inputs: new checks and floor sizes */
    /* the check: one untimed run per op and input, the first time it is asked for */
    int k = 0;
    while (k < checked && strcmp(checked_op[k], op)) k++;
    if (k == checked) {
      if (k == 32 || op_run(&s, op, 1, &checked_val[k])) return 2;
      snprintf(checked_op[k], sizeof checked_op[k], "%s", op);
      checked++;
    }
    uint64_t check = checked_val[k];
    uint64_t t0 = now_ns();
    for (int r = 0; r < iters; r++) op_run(&s, op, 0, NULL);
    uint64_t dt = now_ns() - t0;
    printf("{\"ns\":%llu,\"check\":\"0x%016llx\"", (unsigned long long)dt, (unsigned long long)check);
    if (!strncmp(op, "floor:", 6)) {
      for (int k = 0; k < floor_k; k++)
        if (!strcmp(floor_op[k], op + 6)) printf(",\"read\":%zu,\"write\":%zu", floor_r[k], floor_w[k]);
    }
    printf("}\n");
    fflush(stdout);
  }
  return 0;
}

int main(int argc, char **argv) {
  keep_freed_blocks();
  if ((argc == 2 || argc == 3) && !strcmp(argv[1], "serve")) {
    if (argc == 3) use_clock(argv[2]);
    return serve();
  }
  if (argc != 5 && argc != 6) { fprintf(stderr, "usage: %s OP N REPS SEED [wall|cpu]  or  %s serve [wall|cpu]\n", argv[0], argv[0]); return 2; }
  if (argc == 6) use_clock(argv[5]);
  static state s;
  const char *op = argv[1];
  size_t n = strtoull(argv[2], 0, 10);
  int reps = atoi(argv[3]);
  if (load_state(&s, op, n, argv[4]) == 2) return 2;
  uint64_t check = 0;
  printf("{\"op\":\"%s\",\"n\":%zu,\"samples\":[", op, n);
  for (int r = 0; r < reps; r++) {
    uint64_t t0 = now_ns();
    if (op_run(&s, op, 0, NULL)) return 2;
    printf("%s%llu", r ? "," : "", (unsigned long long)(now_ns() - t0));
  }
  /* untimed: the check that proves wasm and C computed the same */
  if (op_run(&s, op, 1, &check)) return 2;
  printf("],\"check\":\"0x%016llx\"}\n", (unsigned long long)check);
  return 0;
}
