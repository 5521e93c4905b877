/*
 * fuzz_util.c
 *	  Byte buffers, the seeded random generator and corpora of the tfloat
 *	  fuzzer (fuzz.h).
 *
 * Design notes
 *
 * The generator is xoshiro256** seeded through splitmix64, as its authors
 * recommend: fast, and the same sequence on every platform.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

const char *const fuzz_kind_names[FK_NKINDS] = {"text", "binary", "mfjson"};

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
	{
		fprintf(stderr, "tfloat_fuzz: out of memory\n");
		exit(3);
	}
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
	{
		fprintf(stderr, "tfloat_fuzz: out of memory\n");
		exit(3);
	}
	return p;
}

void
buf_init(Buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
buf_free(Buf *b)
{
	free(b->data);
	buf_init(b);
}

/* Room for n more bytes and a NUL after them */
void
buf_reserve(Buf *b, size_t n)
{
	size_t need = b->len + n + 1;

	if (need <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 64;
	while (b->cap < need)
		b->cap *= 2;
	b->data = xrealloc(b->data, b->cap);
}

void
buf_add(Buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_adds(Buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(Buf *b, int c)
{
	unsigned char ch = (unsigned char) c;

	buf_add(b, &ch, 1);
}

void
buf_printf(Buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	buf_reserve(b, (size_t) n);
	va_start(ap, fmt);
	vsnprintf((char *) b->data + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
}

void
buf_set(Buf *b, const void *p, size_t n)
{
	b->len = 0;
	buf_add(b, p, n);
}

void
buf_splice(Buf *b, size_t off, size_t del, const void *p, size_t n)
{
	if (off > b->len)
		off = b->len;
	if (del > b->len - off)
		del = b->len - off;
	buf_reserve(b, n);
	memmove(b->data + off + n, b->data + off + del, b->len - off - del);
	if (n)
		memcpy(b->data + off, p, n);
	b->len = b->len - del + n;
	b->data[b->len] = '\0';
}

/* ------------------------------------------------------------------ */
/* xoshiro256** */

static uint64_t rs[4];

static uint64_t
Rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void
rng_seed(uint64_t seed)
{
	for (int i = 0; i < 4; i++)
	{
		uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		rs[i] = z ^ (z >> 31);
	}
}

uint64_t
rng_next(void)
{
	uint64_t result = Rotl(rs[1] * 5, 7) * 9;
	uint64_t t = rs[1] << 17;

	rs[2] ^= rs[0];
	rs[3] ^= rs[1];
	rs[1] ^= rs[2];
	rs[0] ^= rs[3];
	rs[2] ^= t;
	rs[3] = Rotl(rs[3], 45);
	return result;
}

uint64_t
rng_below(uint64_t n)
{
	return n <= 1 ? 0 : rng_next() % n;
}

bool
rng_one_in(uint64_t n)
{
	return rng_below(n) == 0;
}

size_t
rng_len(size_t max)
{
	/* Mostly 1..8, sometimes up to 64, rarely up to max */
	size_t n;

	if (max == 0)
		return 0;
	if (!rng_one_in(4))
		n = 1 + rng_below(8);
	else if (!rng_one_in(4))
		n = 1 + rng_below(64);
	else
		n = 1 + rng_below(max);
	return n > max ? max : n;
}

double
rng_unit(void)
{
	return (double) (rng_next() >> 11) / 9007199254740992.0;
}

/* ------------------------------------------------------------------ */
/* Corpora */

void
corpus_init(Corpus *c, size_t cap)
{
	c->items = xmalloc(cap * sizeof(Buf));
	c->n = 0;
	c->nseeds = 0;
	c->cap = cap;
}

void
corpus_add_seed(Corpus *c, const void *p, size_t n)
{
	/* Seeds are never replaced; the pool grows after them */
	if (c->n == c->cap)
	{
		c->cap *= 2;
		c->items = xrealloc(c->items, c->cap * sizeof(Buf));
	}
	if (c->n > c->nseeds)
	{
		/* Keep seeds contiguous: move the first mutant to the end */
		c->items[c->n] = c->items[c->nseeds];
		buf_init(&c->items[c->nseeds]);
	}
	else
		buf_init(&c->items[c->n]);
	buf_set(&c->items[c->nseeds], p, n);
	c->nseeds++;
	c->n++;
}

void
corpus_add(Corpus *c, const void *p, size_t n)
{
	Buf *slot;

	if (n > 64 * 1024)
		return; /* large values are generated, not kept: 4096 x 64 KB at most */
	if (c->n < c->cap)
	{
		slot = &c->items[c->n++];
		buf_init(slot);
	}
	else if (c->n > c->nseeds)
		slot = &c->items[c->nseeds + rng_below(c->n - c->nseeds)];
	else
		return;
	buf_set(slot, p, n);
}

const Buf *
corpus_pick(const Corpus *c)
{
	/* Half the time a seed, so the pool never drifts far from valid */
	if (c->nseeds > 0 && (c->n == c->nseeds || rng_one_in(2)))
		return &c->items[rng_below(c->nseeds)];
	return &c->items[rng_below(c->n)];
}
