/*
 * dwarf_lines.c — the file and line of an address, from the DWARF line
 * table (.debug_line) of its object, without allocating: for tracebacks
 * where libdw may not run (print_apart.c) or is not there (unwind_fp.c).
 *
 * Each compilation unit's line program (DWARF 2 to 5, 32- and 64-bit) is
 * run row by row until two rows of one sequence enclose the address: the
 * first one's file and line are the answer, as in addr2line. A lookup may
 * run the whole table; a small cache of answers covers the frames that
 * goroutines share (they wait in the same places).
 *
 * A file's name is put together from the unit's directory table (and the
 * compilation directory, for a relative one) in a pool that lives until
 * exit; when the pool is full, names come without their directory.
 * Compressed sections are not read (elf_symbols.c gives none).
 */
#include "unwind.h"

#include <string.h>

enum {
	LNS_COPY = 1,
	LNS_ADVANCE_PC,
	LNS_ADVANCE_LINE,
	LNS_SET_FILE,
	LNS_SET_COLUMN,
	LNS_NEGATE_STMT,
	LNS_SET_BASIC_BLOCK,
	LNS_CONST_ADD_PC,
	LNS_FIXED_ADVANCE_PC,
	LNE_END_SEQUENCE = 1,
	LNE_SET_ADDRESS = 2,
	LNCT_PATH = 1,
	LNCT_DIRECTORY_INDEX = 2,
	FORM_DATA2 = 0x05,
	FORM_DATA4 = 0x06,
	FORM_DATA8 = 0x07,
	FORM_STRING = 0x08,
	FORM_BLOCK = 0x09,
	FORM_DATA1 = 0x0b,
	FORM_STRP = 0x0e,
	FORM_UDATA = 0x0f,
	FORM_DATA16 = 0x1e,
	FORM_LINE_STRP = 0x1f,
};

/* ---- reading: past the end gives zeros and marks the reader bad ---- */

struct reader {
	const unsigned char *p, *end;
	bool bad;
};

static void skip(struct reader *r, uint64_t n)
{
	if ((uint64_t)(r->end - r->p) < n) {
		r->bad = true;
		r->p = r->end;
	} else {
		r->p += n;
	}
}

static uint64_t fixed(struct reader *r, int n) /* little-endian */
{
	uint64_t v = 0;
	if (r->end - r->p < n) {
		skip(r, (uint64_t)n);
		return 0;
	}
	for (int i = 0; i < n; i++)
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += n;
	return v;
}

static uint64_t uleb(struct reader *r)
{
	uint64_t v = 0;
	for (unsigned shift = 0;; shift += 7) {
		if (r->p >= r->end) {
			r->bad = true;
			return v;
		}
		unsigned char b = *r->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
}

static int64_t sleb(struct reader *r)
{
	int64_t v = 0;
	unsigned shift = 0;
	unsigned char b;
	do {
		if (r->p >= r->end) {
			r->bad = true;
			return v;
		}
		b = *r->p++;
		if (shift < 64)
			v |= (int64_t)((uint64_t)(b & 0x7f) << shift);
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= -((int64_t)1 << shift);
	return v;
}

static const char *cstr(struct reader *r)
{
	const unsigned char *nul = memchr(r->p, 0, (size_t)(r->end - r->p));
	if (!nul) {
		skip(r, (uint64_t)(r->end - r->p) + 1);
		return NULL;
	}
	const char *s = (const char *)r->p;
	r->p = nul + 1;
	return s;
}

/* ---- a unit's header ---- */

struct strings { /* .debug_line_str and .debug_str */
	const unsigned char *line_str, *str;
	size_t line_str_size, str_size;
};

#define FORMATS_MAX 8

struct unit {
	const unsigned char *program, *end;
	int version;
	bool dwarf64;
	unsigned min_inst, line_range, opcode_base;
	int line_base;
	const unsigned char *std_lengths;
	/* the directory and file tables: where their entries start, and
	 * (DWARF 5) how each entry is laid out */
	const unsigned char *dirs, *files;
	uint64_t ndirs, nfiles;
	unsigned ndir_formats, nfile_formats;
	uint64_t dir_formats[FORMATS_MAX][2], file_formats[FORMATS_MAX][2];
	const struct strings *strings;
};

static const char *string_at(const unsigned char *base, size_t size, uint64_t off)
{
	if (!base || off >= size || !memchr(base + off, 0, size - off))
		return NULL;
	return (const char *)base + off;
}

/* One attribute of a DWARF 5 entry: its string or its number. */
static void read_form(struct reader *r, const struct unit *u, uint64_t form,
                      const char **s, uint64_t *num)
{
	*s = NULL;
	*num = 0;
	switch (form) {
	case FORM_STRING:
		*s = cstr(r);
		break;
	case FORM_LINE_STRP:
		*s = string_at(u->strings->line_str, u->strings->line_str_size,
		               fixed(r, u->dwarf64 ? 8 : 4));
		break;
	case FORM_STRP:
		*s = string_at(u->strings->str, u->strings->str_size,
		               fixed(r, u->dwarf64 ? 8 : 4));
		break;
	case FORM_UDATA:
		*num = uleb(r);
		break;
	case FORM_DATA1:
		*num = fixed(r, 1);
		break;
	case FORM_DATA2:
		*num = fixed(r, 2);
		break;
	case FORM_DATA4:
		*num = fixed(r, 4);
		break;
	case FORM_DATA8:
		*num = fixed(r, 8);
		break;
	case FORM_DATA16:
		skip(r, 16);
		break;
	case FORM_BLOCK:
		skip(r, uleb(r));
		break;
	default:
		r->bad = true;
		r->p = r->end; /* a form line tables do not use */
	}
}

/* A DWARF 5 directory or file entry: its path and directory index. */
static void read_entry(struct reader *r, const struct unit *u,
                       const uint64_t (*formats)[2], unsigned nformats,
                       const char **path, uint64_t *dir)
{
	*path = NULL;
	*dir = 0;
	for (unsigned i = 0; i < nformats; i++) {
		const char *s;
		uint64_t num;
		read_form(r, u, formats[i][1], &s, &num);
		if (formats[i][0] == LNCT_PATH)
			*path = s;
		else if (formats[i][0] == LNCT_DIRECTORY_INDEX)
			*dir = num;
	}
}

static bool read_formats(struct reader *r, uint64_t (*formats)[2], unsigned *n)
{
	*n = (unsigned)fixed(r, 1);
	if (*n > FORMATS_MAX)
		return false;
	for (unsigned i = 0; i < *n; i++) {
		formats[i][0] = uleb(r);
		formats[i][1] = uleb(r);
	}
	return !r->bad;
}

/* Skip a table: DWARF 5's counted entries. */
static void skip_entries(struct reader *r, const struct unit *u,
                         const uint64_t (*formats)[2], unsigned nformats, uint64_t n)
{
	for (uint64_t i = 0; i < n && !r->bad; i++) {
		const char *path;
		uint64_t dir;
		read_entry(r, u, formats, nformats, &path, &dir);
	}
}

/* The tables of DWARF 5, counted and described by formats. */
static bool read_tables_v5(struct reader *h, struct unit *u)
{
	if (!read_formats(h, u->dir_formats, &u->ndir_formats))
		return false;
	u->ndirs = uleb(h);
	u->dirs = h->p;
	skip_entries(h, u, u->dir_formats, u->ndir_formats, u->ndirs);
	if (!read_formats(h, u->file_formats, &u->nfile_formats))
		return false;
	u->nfiles = uleb(h);
	u->files = h->p;
	return !h->bad;
}

/* The tables before DWARF 5: lists that end with an empty name. */
static bool read_tables_v4(struct reader *h, struct unit *u)
{
	u->dirs = h->p;
	const char *s;
	while ((s = cstr(h)) && *s) {
	}
	u->files = h->p;
	return !h->bad;
}

/* The unit at r->p; *next is the one after (NULL: the table ends). */
static bool read_unit(struct reader *r, const struct strings *strings, struct unit *u,
                      const unsigned char **next)
{
	*next = NULL;
	memset(u, 0, sizeof *u);
	u->strings = strings;
	uint64_t len = fixed(r, 4);
	if (len == 0xffffffff) {
		len = fixed(r, 8);
		u->dwarf64 = true;
	} else if (len >= 0xfffffff0) {
		return false;
	}
	if (r->bad || len > (uint64_t)(r->end - r->p))
		return false;
	*next = r->p + len;
	struct reader h = {r->p, *next, false};
	u->end = *next;
	u->version = (int)fixed(&h, 2);
	if (u->version < 2 || u->version > 5)
		return false;
	if (u->version >= 5)
		skip(&h, 2); /* address and segment selector sizes */
	uint64_t header_len = fixed(&h, u->dwarf64 ? 8 : 4);
	if (header_len > (uint64_t)(h.end - h.p))
		return false;
	u->program = h.p + header_len;
	u->min_inst = (unsigned)fixed(&h, 1);
	if (u->version >= 4)
		skip(&h, 1); /* operations per instruction: 1 but on VLIW */
	skip(&h, 1);         /* default_is_stmt */
	u->line_base = (int8_t)fixed(&h, 1);
	u->line_range = (unsigned)fixed(&h, 1);
	u->opcode_base = (unsigned)fixed(&h, 1);
	u->std_lengths = h.p;
	skip(&h, u->opcode_base ? u->opcode_base - 1 : 0);
	if (h.bad || u->line_range == 0 || u->opcode_base == 0)
		return false;
	return u->version >= 5 ? read_tables_v5(&h, u) : read_tables_v4(&h, u);
}

/* ---- names ---- */

/* Entry i of a DWARF 5 table of n entries at start: its path and
 * directory index. */
static const char *entry_v5(const struct unit *u, const unsigned char *start,
                            uint64_t n, const uint64_t (*formats)[2], unsigned nformats,
                            uint64_t i, uint64_t *dir)
{
	if (i >= n)
		return NULL;
	struct reader r = {start, u->end, false};
	const char *path = NULL;
	for (uint64_t k = 0; k <= i && !r.bad; k++)
		read_entry(&r, u, formats, nformats, &path, dir);
	return r.bad ? NULL : path;
}

/* Directory i of the unit (before DWARF 5, 0 is the compilation
 * directory, which only .debug_info knows: NULL). */
static const char *directory(const struct unit *u, uint64_t i)
{
	uint64_t unused;
	if (u->version >= 5)
		return entry_v5(u, u->dirs, u->ndirs, u->dir_formats, u->ndir_formats,
		                i, &unused);
	struct reader r = {u->dirs, u->end, false};
	const char *s = NULL;
	for (uint64_t k = 1; k <= i; k++)
		if (!(s = cstr(&r)) || !*s)
			return NULL;
	return s;
}

/* File i of the unit (0-based from DWARF 5, 1-based before) and the
 * index of its directory. */
static const char *file_entry(const struct unit *u, uint64_t i, uint64_t *dir)
{
	*dir = 0;
	if (u->version >= 5)
		return entry_v5(u, u->files, u->nfiles, u->file_formats,
		                u->nfile_formats, i, dir);
	struct reader r = {u->files, u->end, false};
	const char *path = NULL;
	for (uint64_t k = 1; k <= i; k++) {
		if (!(path = cstr(&r)) || !*path)
			return NULL;
		*dir = uleb(&r);
		uleb(&r); /* modification time */
		uleb(&r); /* length */
	}
	return r.bad ? NULL : path;
}

static char pool[32768];
static size_t pool_used;

/* a/b/c, each part optional, in the pool; NULL when it is full. */
static const char *joined(const char *a, const char *b, const char *c)
{
	const char *parts[3] = {a, b, c};
	size_t start = pool_used, at = start;
	for (int i = 0; i < 3; i++) {
		if (!parts[i])
			continue;
		size_t n = strlen(parts[i]);
		if (at + n + 2 > sizeof pool)
			return NULL;
		if (at > start)
			pool[at++] = '/';
		memcpy(pool + at, parts[i], n);
		at += n;
	}
	pool[at++] = 0;
	pool_used = at;
	return pool + start;
}

static const char *file_path(const struct unit *u, uint64_t i)
{
	uint64_t d;
	const char *name = file_entry(u, i, &d);
	if (!name || name[0] == '/')
		return name;
	const char *dir = directory(u, d);
	const char *comp = u->version >= 5 && d != 0 ? directory(u, 0) : NULL;
	if (dir && dir[0] == '/')
		comp = NULL;
	const char *path = dir || comp ? joined(comp, dir, name) : NULL;
	return path ? path : name;
}

/* ---- the line program ---- */

struct row {
	uint64_t addr, file, line;
};

struct machine {
	struct row now, prev;
	bool have_prev; /* prev is a row of this sequence */
};

/* A row is emitted: does the one before it hold target? */
static bool emit(struct machine *m, uint64_t target, struct row *found)
{
	if (m->have_prev && m->prev.addr <= target && target < m->now.addr) {
		*found = m->prev;
		return true;
	}
	m->prev = m->now;
	m->have_prev = true;
	return false;
}

static void new_sequence(struct machine *m)
{
	m->now = (struct row){0, 1, 1};
	m->have_prev = false;
}

/* An extended opcode; true if it ended a sequence that held target. */
static bool extended(struct reader *r, struct machine *m, uint64_t target,
                     struct row *found)
{
	uint64_t len = uleb(r);
	if (len == 0 || len > (uint64_t)(r->end - r->p)) {
		skip(r, len);
		return false;
	}
	const unsigned char *after = r->p + len;
	unsigned op = (unsigned)fixed(r, 1);
	bool hit = false;
	if (op == LNE_END_SEQUENCE) {
		hit = m->have_prev && m->prev.addr <= target && target < m->now.addr;
		if (hit)
			*found = m->prev;
		new_sequence(m);
	} else if (op == LNE_SET_ADDRESS && len - 1 <= 8) {
		m->now.addr = fixed(r, (int)(len - 1));
	}
	r->p = after;
	return hit;
}

/* A standard opcode; true if the row it emits closes one holding target. */
static bool standard(struct reader *r, const struct unit *u, unsigned op,
                     struct machine *m, uint64_t target, struct row *found)
{
	switch (op) {
	case LNS_COPY:
		return emit(m, target, found);
	case LNS_ADVANCE_PC:
		m->now.addr += uleb(r) * u->min_inst;
		break;
	case LNS_ADVANCE_LINE:
		m->now.line += (uint64_t)sleb(r);
		break;
	case LNS_SET_FILE:
		m->now.file = uleb(r);
		break;
	case LNS_CONST_ADD_PC:
		m->now.addr += (255 - u->opcode_base) / u->line_range * u->min_inst;
		break;
	case LNS_FIXED_ADVANCE_PC:
		m->now.addr += fixed(r, 2);
		break;
	case LNS_SET_COLUMN:
	case LNS_NEGATE_STMT:
	case LNS_SET_BASIC_BLOCK:
	default: /* operands as the header says (none for the flags) */
		for (unsigned k = 0; k < u->std_lengths[op - 1]; k++)
			uleb(r);
	}
	return false;
}

static bool run(const struct unit *u, uint64_t target, struct row *found)
{
	struct reader r = {u->program, u->end, false};
	struct machine m;
	new_sequence(&m);
	while (r.p < r.end && !r.bad) {
		unsigned op = (unsigned)fixed(&r, 1);
		if (op >= u->opcode_base) { /* special: advance both, emit */
			unsigned adj = op - u->opcode_base;
			m.now.addr += adj / u->line_range * u->min_inst;
			m.now.line += (uint64_t)(int64_t)(u->line_base +
			                                  (int)(adj % u->line_range));
			if (emit(&m, target, found))
				return true;
		} else if (op == 0) {
			if (extended(&r, &m, target, found))
				return true;
		} else if (standard(&r, u, op, &m, target, found)) {
			return true;
		}
	}
	return false;
}

/* ---- lookups ---- */

#define CACHE_SIZE 256

static struct answer {
	const void *map;
	uintptr_t off;
	const char *file; /* NULL: none */
	int line;
	bool valid;
} cache[CACHE_SIZE];

static bool lookup(const struct link_map *map, uintptr_t off, const char **file,
                   int *line)
{
	size_t size;
	const unsigned char *table = goc__elf_section(map, ".debug_line", &size);
	if (!table)
		return false;
	struct strings s = {0};
	s.line_str = goc__elf_section(map, ".debug_line_str", &s.line_str_size);
	s.str = goc__elf_section(map, ".debug_str", &s.str_size);
	struct reader r = {table, table + size, false};
	while (r.p < r.end) {
		struct unit u;
		const unsigned char *next;
		struct row row;
		bool ok = read_unit(&r, &s, &u, &next);
		if (ok && run(&u, off, &row)) {
			*file = file_path(&u, row.file);
			*line = (int)row.line;
			return *file != NULL;
		}
		if (!next)
			break;
		r.p = next;
		r.bad = false;
	}
	return false;
}

bool goc__dwarf_line(const struct link_map *map, uintptr_t off, const char **file,
                     int *line)
{
	struct answer *a = &cache[(off ^ (uintptr_t)map >> 4) % CACHE_SIZE];
	if (!a->valid || a->map != map || a->off != off) {
		*a = (struct answer){map, off, NULL, 0, true};
		if (!lookup(map, off, &a->file, &a->line))
			a->file = NULL;
	}
	*file = a->file;
	*line = a->line;
	return a->file != NULL;
}
