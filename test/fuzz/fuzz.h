/*
 * fuzz.h
 *	  What the pieces of the tfloat fuzzer share: byte buffers, the seeded
 *	  random generator, corpora, the seed generators (fuzz_gen.c) and the
 *	  mutators (fuzz_mutate.c).  The engine and the oracle are in
 *	  tfloat_fuzz.c.
 *
 * Design notes
 *
 * Everything random comes from one xoshiro256** generator seeded from the
 * command line, and nothing depends on time or addresses, so a campaign
 * with the same seed and counts sends the same inputs in the same order
 * (the server's answers steer only which accepted mutants join the
 * corpus, and those answers are deterministic too).
 */
#ifndef CQ_FUZZ_H
#define CQ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest input sent; a mutation that would grow past it is cut */
#define FUZZ_MAX_INPUT (1024 * 1024)

/* A growable byte buffer; allocation failure ends the process */
typedef struct Buf
{
	unsigned char *data;
	size_t len;
	size_t cap;
} Buf;

extern void buf_init(Buf *b);
extern void buf_free(Buf *b);
extern void buf_reserve(Buf *b, size_t n);
extern void buf_add(Buf *b, const void *p, size_t n);
extern void buf_adds(Buf *b, const char *s);
extern void buf_addc(Buf *b, int c);
extern void buf_printf(Buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
extern void buf_set(Buf *b, const void *p, size_t n);
/* Replace [off, off + del) by n bytes of p */
extern void buf_splice(Buf *b, size_t off, size_t del, const void *p,
					   size_t n);
extern void *xmalloc(size_t n);
extern void *xrealloc(void *p, size_t n);

/* ------------------------------------------------------------------ */
/* Random numbers */

extern void rng_seed(uint64_t seed);
extern uint64_t rng_next(void);
/* Uniform in [0, n), n > 0 */
extern uint64_t rng_below(uint64_t n);
/* True with probability 1 / n */
extern bool rng_one_in(uint64_t n);
/* A length biased towards small values, at most max */
extern size_t rng_len(size_t max);
extern double rng_unit(void);

/* ------------------------------------------------------------------ */
/* Corpora */

/* Input kinds: the three input functions under test */
typedef enum FuzzKind
{
	FK_TEXT,
	FK_BINARY,
	FK_MFJSON,
	FK_NKINDS
} FuzzKind;

extern const char *const fuzz_kind_names[FK_NKINDS];

/*
 * A corpus: the seeds, kept for good, then a bounded pool of accepted (and
 * a few rejected) mutants that random entries are replaced in.
 */
typedef struct Corpus
{
	Buf *items;
	size_t n;
	size_t nseeds;
	size_t cap;
} Corpus;

extern void corpus_init(Corpus *c, size_t cap);
extern void corpus_add_seed(Corpus *c, const void *p, size_t n);
extern void corpus_add(Corpus *c, const void *p, size_t n);
extern const Buf *corpus_pick(const Corpus *c);

/* ------------------------------------------------------------------ */
/* Seeds (fuzz_gen.c) */

/* A random valid tfloat in text form, in one of many spellings */
extern void gen_text(Buf *out);
/* A random valid tfloat in the binary format of tfloat_send */
extern void gen_binary(Buf *out);
/* A random MF-JSON document, valid or nearly (member order, spacing) */
extern void gen_mfjson(Buf *out);
/* The hand-written seeds of each kind, NULL-terminated */
extern const char *const *gen_fixed_text(void);
extern const char *const *gen_fixed_mfjson(void);

/* ------------------------------------------------------------------ */
/* Mutations (fuzz_mutate.c) */

/*
 * Mutate b in place, one to a few stacked mutations chosen for kind;
 * other is a second corpus entry for splicing.  The result is at most
 * FUZZ_MAX_INPUT bytes, and NUL-free for the text kinds (text parameters
 * are C strings).
 */
extern void mutate(FuzzKind kind, Buf *b, const Buf *other);

#endif /* CQ_FUZZ_H */
