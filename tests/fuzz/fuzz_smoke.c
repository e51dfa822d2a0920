/*
 * tests/fuzz/fuzz_smoke.c -- runs the fuzz targets without libFuzzer, so
 * that every make check (with any compiler, with or without sanitizers)
 * exercises them.
 *
 *   fuzz_smoke                  every seed of every corpus, then a fixed
 *                               number of mutations of them per target
 *   fuzz_smoke -n N             N mutations per target (default 20000)
 *   fuzz_smoke TARGET FILE...   runs files through one target: reproduces
 *                               a libFuzzer crash-* artifact in a build
 *                               without libFuzzer
 *
 * The corpora are read from $top_srcdir/tests/fuzz/corpus/<target>/
 * (make check exports top_srcdir).  The mutations come from a fixed-seed
 * PRNG, so every run tries the same inputs and a failure reproduces.  This
 * is a smoke test, not a fuzzer -- there is no coverage feedback;
 * tests/fuzz/run-all runs the real thing.
 *
 * When a target aborts (or a sanitizer reports), the input is written to
 * fuzz-smoke-crash-<target> in the current directory and printed in hex.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/fuzz/fuzz.h"
#include "tests/tests.h"

#define DEFAULT_ITERS 20000ul
#define MAX_SEEDS     512

struct target {
    const char *name;
    int (*fn)(const uint8_t *, size_t);
    size_t max_len;
    /* Target-aware touch-up applied to some mutants (may be NULL). */
    void (*fixup)(uint8_t *buf, size_t len, uint64_t rnd);
    /* Mutations are the run's number divided by this (0: 1): fuzz_conn
     * and fuzz_reply make a connection per input. */
    unsigned long divisor;
};

/* ---- crash report --------------------------------------------------------
 * The input under test lives in these globals so that a signal handler or
 * a sanitizer's death callback can save it. */

static const char *cur_target = "";
static const uint8_t *cur_data;
static size_t cur_len;
static unsigned long cur_iter;

static void
put_str(int fd, const char *s)
{
    size_t n = strlen(s);

    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void
put_ulong(int fd, unsigned long v)
{
    char buf[24];
    size_t i = sizeof(buf) - 1;

    buf[i] = '\0';
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 && i > 0);
    put_str(fd, buf + i);
}

/* Only async-signal-safe calls: this runs from a signal handler. */
static void
report_crash(void)
{
    static const char hex[] = "0123456789abcdef";
    static volatile sig_atomic_t reported;
    char path[96] = "fuzz-smoke-crash-";
    int fd;

    if (reported || cur_data == NULL)
        return;
    reported = 1;
    strncat(path, cur_target, sizeof(path) - strlen(path) - 1);
    put_str(2, "\nfuzz_smoke: target ");
    put_str(2, cur_target);
    put_str(2, " failed on input #");
    put_ulong(2, cur_iter);
    put_str(2, " (");
    put_ulong(2, (unsigned long)cur_len);
    put_str(2, " bytes), saved as ");
    put_str(2, path);
    put_str(2, ":\n");
    for (size_t k = 0; k < cur_len && k < 4096; k++) {
        char b[2] = {hex[cur_data[k] >> 4], hex[cur_data[k] & 15]};
        if (write(2, b, 2) < 0)
            break;
    }
    put_str(2, "\n");
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        size_t off = 0;
        while (off < cur_len) {
            ssize_t w = write(fd, cur_data + off, cur_len - off);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
        close(fd);
    }
}

static void
on_signal(int sig)
{
    report_crash();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Sanitizers exit without a signal; they offer a callback instead.  Weak,
 * so that a build without sanitizers links too. */
extern void __sanitizer_set_death_callback(void (*cb)(void))
    __attribute__((weak));

/* ---- deterministic PRNG (splitmix64) ------------------------------------ */

static uint64_t rng_state = 0x7270637274667a7aull; /* fixed: reproducible */

static uint64_t
rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static size_t
rnd_below(size_t n)
{
    return n == 0 ? 0 : (size_t)(rnd() % n);
}

/* ---- seeds -------------------------------------------------------------- */

struct seed {
    uint8_t *data;
    size_t len;
};

/* dir/name into buf; -1 when it does not fit (gcc's
 * -Wformat-truncation wants the result looked at). */
static int
join_path(char *buf, size_t size, const char *dir, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", dir, name);

    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int
skip_entry(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

/* Loads a corpus directory in name order (scandir + alphasort in the C
 * locale), so that the PRNG walks the same seeds on every machine. */
static size_t
load_corpus(const char *dir, struct seed *seeds, size_t max)
{
    struct dirent **ents;
    size_t n = 0;
    int k = scandir(dir, &ents, skip_entry, alphasort);

    if (k < 0) {
        fprintf(stderr, "fuzz_smoke: cannot read corpus %s\n", dir);
        return 0;
    }
    for (int i = 0; i < k; i++) {
        char path[4096];
        if (n < max &&
            join_path(path, sizeof(path), dir, ents[i]->d_name) == 0 &&
            (seeds[n].data = tu_read_file(path, &seeds[n].len)) != NULL)
            n++;
        free(ents[i]);
    }
    free(ents);
    return n;
}

/* ---- running one input -------------------------------------------------- */

/* Copies the input to an exactly sized heap block, so that an overread by
 * one byte is an ASan report, not a silent read of the next seed. */
static void
run_one(const struct target *t, const uint8_t *data, size_t len)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);

    if (copy == NULL) {
        fprintf(stderr, "fuzz_smoke: out of memory\n");
        exit(EXIT_FAILURE);
    }
    if (len > 0)
        memcpy(copy, data, len);
    cur_data = copy;
    cur_len = len;
    t->fn(copy, len);
    cur_data = NULL;
    free(copy);
}

/* ---- mutations ---------------------------------------------------------- */

/* Values at the edges of the checks a decoder makes. */
static const uint32_t interesting[] = {
    0, 1, 2, 3, 4, 7, 8, 15, 16, 20, 23, 24, 32, 44, 0x7f, 0x80, 0xff,
    0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000u,
    0xfffffffeu, 0xffffffffu,
};

/* One random edit of buf[0..*len) (capacity cap). */
static void
mutate_once(uint8_t *buf, size_t *len, size_t cap, const struct seed *seeds,
            size_t nseeds)
{
    size_t n = *len;

    switch (rnd() % 9) {
    case 0: /* flip a bit */
        if (n > 0)
            buf[rnd_below(n)] ^= (uint8_t)(1u << (rnd() % 8));
        break;
    case 1: /* set a byte */
        if (n > 0)
            buf[rnd_below(n)] = (uint8_t)rnd();
        break;
    case 2: { /* an interesting value, 1/2/4 bytes, either byte order */
        uint32_t v = interesting[rnd_below(sizeof(interesting) /
                                           sizeof(interesting[0]))];
        size_t w = (size_t)1 << (rnd() % 3), at;
        int be = (int)(rnd() & 1);
        if (n < w)
            break;
        at = rnd_below(n - w + 1);
        for (size_t i = 0; i < w; i++)
            buf[at + i] = (uint8_t)(v >> (8 * (be ? w - 1 - i : i)));
        break;
    }
    case 3: { /* insert random bytes */
        size_t k = 1 + rnd_below(16), at = rnd_below(n + 1);
        if (n + k > cap)
            break;
        memmove(buf + at + k, buf + at, n - at);
        for (size_t i = 0; i < k; i++)
            buf[at + i] = (uint8_t)rnd();
        *len = n + k;
        break;
    }
    case 4: { /* delete a range */
        size_t at, k;
        if (n == 0)
            break;
        at = rnd_below(n);
        k = 1 + rnd_below(n - at < 16 ? n - at : 16);
        memmove(buf + at, buf + at + k, n - at - k);
        *len = n - k;
        break;
    }
    case 5: { /* copy a range over another */
        size_t from, to, k;
        if (n < 2)
            break;
        from = rnd_below(n);
        to = rnd_below(n);
        k = 1 + rnd_below(32);
        if (k > n - from)
            k = n - from;
        if (k > n - to)
            k = n - to;
        memmove(buf + to, buf + from, k);
        break;
    }
    case 6: /* truncate */
        *len = rnd_below(n + 1);
        break;
    case 7: { /* splice: our prefix, another seed's suffix */
        const struct seed *o = &seeds[rnd_below(nseeds)];
        size_t at = rnd_below(n + 1), from = rnd_below(o->len + 1);
        size_t k = o->len - from;
        if (at + k > cap)
            k = cap - at;
        memcpy(buf + at, o->data + from, k);
        *len = at + k;
        break;
    }
    default: { /* repeat a byte run: long counts, long strings */
        size_t at, k;
        if (n == 0)
            break;
        at = rnd_below(n);
        k = 1 + rnd_below(64);
        if (n + k > cap)
            break;
        memmove(buf + at + k, buf + at, n - at);
        memset(buf + at, buf[at + k], k);
        *len = n + k;
        break;
    }
    }
}

/* PDUs: most random edits break frag_length first, and then nothing past
 * the length check runs.  Often make frag_length agree with the bytes
 * (in the order drep says), so that the mutants reach the body. */
static void
fixup_pdu(uint8_t *buf, size_t len, uint64_t r)
{
    if (len < RPC_HDR_LEN || r % 4 == 0)
        return;
    ndr_store(buf + 8, 2, len, drep_is_le(buf[4]));
}

/* String bindings: drop in a syntax character, where random bytes rarely
 * land on one. */
static void
fixup_strbind(uint8_t *buf, size_t len, uint64_t r)
{
    static const char special[] = "@:[],=\\ \0";

    if (len == 0 || r % 2 == 0)
        return;
    buf[(r >> 8) % len] = (uint8_t)special[(r >> 32) % (sizeof(special) - 1)];
}

/* Byte streams: walk the PDUs (after the chunking byte) and, most of
 * the time, make the frag_length of the one an edit broke agree with
 * what is left, so that mutants get past the framing. */
static void
fixup_conn(uint8_t *buf, size_t len, uint64_t r)
{
    size_t off = 1;

    if (r % 4 == 0)
        return;
    while (off + RPC_HDR_LEN <= len) {
        uint16_t fl;
        if (rpc_peek_frag_length(buf + off, len - off, &fl) != 0 ||
            fl < RPC_HDR_LEN || fl > len - off) {
            fixup_pdu(buf + off, len - off > 0xffff ? 0xffff : len - off, 1);
            return;
        }
        off += fl;
    }
}

/* Reply streams (after two control bytes): a random edit mostly lands in
 * a stub, or breaks one fragment's framing, and the rest of the stream
 * with it.  Most of the time make the broken fragment's frag_length
 * reach the next thing that looks like a header (so the fragments after
 * it still frame), and now and then poke a header field of a random
 * fragment instead -- flags, drep, lengths, alloc_hint -- which edits at
 * random offsets of a 200 KiB stream rarely reach. */
static void
fixup_reply(uint8_t *buf, size_t len, uint64_t r)
{
    size_t off = 2, starts[64], n = 0;

    if (r % 4 == 0 || len < 2)
        return;
    while (off + RPC_HDR_LEN <= len) {
        uint16_t fl;
        if (rpc_peek_frag_length(buf + off, len - off, &fl) != 0 ||
            fl < RPC_HDR_LEN || fl > len - off) {
            size_t next = off + RPC_HDR_LEN;
            while (next + 3 <= len && !(buf[next] == 5 && buf[next + 1] <= 1 &&
                                        (buf[next + 2] == PTYPE_RESPONSE ||
                                         buf[next + 2] == PTYPE_FAULT)))
                next++;
            if (next + 3 > len)
                next = len;
            if (next - off > 0xffff)
                next = off + 0xffff;
            fixup_pdu(buf + off, next - off, 1);
            return;
        }
        if (n < sizeof(starts) / sizeof(starts[0]))
            starts[n++] = off;
        off += fl;
    }
    if (n > 0 && (r >> 8) % 3 == 0) {
        size_t at = starts[(r >> 16) % n] + (size_t)((r >> 24) % RPC_RESPONSE_HDR_LEN);
        if (at < len)
            buf[at] = (uint8_t)(r >> 32);
    }
}

static int
run_target(const struct target *t, const char *corpus_root,
           unsigned long iters)
{
    static struct seed seeds[MAX_SEEDS];
    char dir[4096];
    uint8_t *buf;
    size_t nseeds;

    if (join_path(dir, sizeof(dir), corpus_root, t->name) != 0)
        return -1;
    nseeds = load_corpus(dir, seeds, MAX_SEEDS);
    if (nseeds == 0) {
        fprintf(stderr, "fuzz_smoke: no seeds for %s in %s\n", t->name, dir);
        return -1;
    }
    cur_target = t->name;
    for (size_t i = 0; i < nseeds; i++) {
        cur_iter = (unsigned long)i;
        run_one(t, seeds[i].data, seeds[i].len > t->max_len ? t->max_len
                                                             : seeds[i].len);
    }

    if ((buf = malloc(t->max_len)) == NULL)
        return -1;
    if (t->divisor > 1)
        iters /= t->divisor;
    for (unsigned long it = 0; it < iters; it++) {
        const struct seed *s = &seeds[rnd_below(nseeds)];
        size_t len = s->len < t->max_len ? s->len : t->max_len;
        unsigned edits = 1 + (unsigned)(rnd() % 4);

        memcpy(buf, s->data, len);
        for (unsigned e = 0; e < edits; e++)
            mutate_once(buf, &len, t->max_len, seeds, nseeds);
        if (t->fixup != NULL)
            t->fixup(buf, len, rnd());
        cur_iter = (unsigned long)nseeds + it;
        run_one(t, buf, len);
    }
    free(buf);
    printf("%-8s %4zu seeds, %lu mutations: ok\n", t->name, nseeds, iters);
    for (size_t i = 0; i < nseeds; i++)
        free(seeds[i].data);
    return 0;
}

static const struct target targets[] = {
    /* Mutants of PDUs stay small: the seeds are, and 8 KiB covers every
     * length field's interesting values. */
    {"pdu", fuzz_pdu_one, 8192, fixup_pdu, 0},
    {"ndr", fuzz_ndr_one, 4096, NULL, 0},
    {"strbind", fuzz_strbind_one, 1024, fixup_strbind, 0},
    {"tower", fuzz_tower_one, 1024, NULL, 0},
    {"epm", fuzz_epm_one, 4096, NULL, 0},
    {"mgmt", fuzz_mgmt_one, 4096, NULL, 0},
    /* A stream of PDUs; fixup_conn keeps the first one's length right. */
    {"conn", fuzz_conn_one, 8192, fixup_conn, 20},
    /* A call per input, replies up to 200 KiB; fixup_reply keeps the
     * fragments framed. */
    {"reply", fuzz_reply_one, FUZZ_REPLY_MAX, fixup_reply, 20},
};
#define NTARGETS (sizeof(targets) / sizeof(targets[0]))

static int
run_files(const char *name, char **files, int nfiles)
{
    const struct target *t = NULL;

    for (size_t i = 0; i < NTARGETS; i++)
        if (strcmp(targets[i].name, name) == 0)
            t = &targets[i];
    if (t == NULL) {
        fprintf(stderr, "fuzz_smoke: unknown target %s\n", name);
        return EXIT_FAILURE;
    }
    cur_target = t->name;
    for (int i = 0; i < nfiles; i++) {
        size_t len = 0;
        uint8_t *data = tu_read_file(files[i], &len);
        if (data == NULL) {
            fprintf(stderr, "fuzz_smoke: cannot read %s\n", files[i]);
            return EXIT_FAILURE;
        }
        cur_iter = (unsigned long)i;
        /* No max_len here: a libFuzzer artifact runs as it was found. */
        run_one(t, data, len);
        printf("%s: %s ok\n", t->name, files[i]);
        free(data);
    }
    return EXIT_SUCCESS;
}

int
main(int argc, char **argv)
{
    unsigned long iters = DEFAULT_ITERS;
    const char *top = getenv("top_srcdir");
    const char *env = getenv("FUZZ_SMOKE_ITERS");
    char root[4096];
    int opt, failed = 0;

    if (env != NULL && *env != '\0')
        iters = strtoul(env, NULL, 10);
    while ((opt = getopt(argc, argv, "n:")) != -1) {
        switch (opt) {
        case 'n':
            iters = strtoul(optarg, NULL, 10);
            break;
        default:
            fprintf(stderr, "usage: fuzz_smoke [-n N] [TARGET FILE...]\n");
            return EXIT_FAILURE;
        }
    }

    signal(SIGABRT, on_signal);
    signal(SIGSEGV, on_signal);
    signal(SIGBUS, on_signal);
    signal(SIGFPE, on_signal);
    if (__sanitizer_set_death_callback != NULL)
        __sanitizer_set_death_callback(report_crash);

    if (argc - optind >= 2)
        return run_files(argv[optind], argv + optind + 1, argc - optind - 1);
    if (argc - optind == 1) {
        fprintf(stderr, "usage: fuzz_smoke [-n N] [TARGET FILE...]\n");
        return EXIT_FAILURE;
    }

    if (join_path(root, sizeof(root),
                  top != NULL && *top != '\0' ? top : ".",
                  "tests/fuzz/corpus") != 0) {
        fprintf(stderr, "fuzz_smoke: top_srcdir too long\n");
        return EXIT_FAILURE;
    }
    for (size_t i = 0; i < NTARGETS; i++)
        if (run_target(&targets[i], root, iters) != 0)
            failed = 1;
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
