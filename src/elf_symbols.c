/*
 * elf_symbols.c — the function an address is in, read from the symbol
 * table of its object file, and the file's other sections (its DWARF line
 * tables: dwarf_lines.c), without allocating.
 *
 * unwind_fp.c names frames where nothing may be allocated (print_apart.c
 * says why). Its other source of names, the dynamic linker, knows only
 * exported symbols, and names a static function after the nearest
 * exported one before it: wrong. Here the object's file is mapped (open
 * and mmap, system calls only) and its .symtab searched, or its .dynsym
 * when it was stripped, for the function whose range holds the address.
 * A linear search: a traceback looks up a hundred frames at most.
 *
 * Mapped files stay mapped until exit, a few per process. Callers
 * serialise (one traceback prints at a time), so the table of them needs
 * no lock.
 */
#include "runtime.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAPPED_MAX 16

struct mapped {
	const void *key;           /* the object's struct link_map */
	const unsigned char *data; /* NULL: could not be read */
	size_t size;
};

static struct mapped mapped[MAPPED_MAX];
static int nmapped;

static const unsigned char *map_file(const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	void *data = MAP_FAILED;
	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		*size = (size_t)st.st_size;
		data = mmap(NULL, *size, PROT_READ, MAP_PRIVATE, fd, 0);
	}
	close(fd);
	return data == MAP_FAILED ? NULL : data;
}

/* The object's file, mapped once. The main program's is /proc/self/exe:
 * the dynamic linker names it as it was started, perhaps relatively. */
static const struct mapped *object_file(const struct link_map *map)
{
	for (int i = 0; i < nmapped; i++)
		if (mapped[i].key == map)
			return &mapped[i];
	if (nmapped == MAPPED_MAX)
		return NULL;
	struct mapped *m = &mapped[nmapped++];
	m->key = map;
	const char *path = map->l_name && *map->l_name ? map->l_name : "/proc/self/exe";
	if (path[0] == '/')
		m->data = map_file(path, &m->size);
	return m;
}

/* Section i of the file, if it lies inside it. */
static const ElfW(Shdr) *
	section(const struct mapped *m, const ElfW(Ehdr) * eh, size_t i)
{
	if (i >= eh->e_shnum)
		return NULL;
	const ElfW(Shdr) *sh = (const ElfW(Shdr) *)(m->data + eh->e_shoff) + i;
	if (sh->sh_type != SHT_NOBITS &&
	    (sh->sh_offset > m->size || sh->sh_size > m->size - sh->sh_offset))
		return NULL;
	return sh;
}

/* The function holding off in the symbol table of section symtab. */
static const char *search(const struct mapped *m, const ElfW(Ehdr) * eh,
                          const ElfW(Shdr) * symtab, uintptr_t off, uintptr_t *start)
{
	const ElfW(Shdr) *strtab = section(m, eh, symtab->sh_link);
	if (!strtab || symtab->sh_entsize != sizeof(ElfW(Sym)))
		return NULL;
	const ElfW(Sym) *sym = (const ElfW(Sym) *)(m->data + symtab->sh_offset);
	size_t n = symtab->sh_size / sizeof *sym;
	const char *names = (const char *)(m->data + strtab->sh_offset);
	for (size_t i = 0; i < n; i++) {
		int type = ELF64_ST_TYPE(sym[i].st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) ||
		    sym[i].st_shndx == SHN_UNDEF)
			continue;
		if (off < sym[i].st_value || off - sym[i].st_value >= sym[i].st_size)
			continue;
		if (sym[i].st_name >= strtab->sh_size)
			return NULL;
		*start = sym[i].st_value;
		return names + sym[i].st_name;
	}
	return NULL;
}

/* The file's ELF header, if it is one this code reads. */
static const ElfW(Ehdr) * header(const struct mapped *m)
{
	if (!m || !m->data || m->size < sizeof(ElfW(Ehdr)))
		return NULL;
	const ElfW(Ehdr) *eh = (const ElfW(Ehdr) *)m->data;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_shentsize != sizeof(ElfW(Shdr)) || eh->e_shoff > m->size ||
	    eh->e_shnum > (m->size - eh->e_shoff) / sizeof(ElfW(Shdr)))
		return NULL;
	return eh;
}

const char *goc__elf_function(const struct link_map *map, uintptr_t off,
                              uintptr_t *start)
{
	const struct mapped *m = object_file(map);
	const ElfW(Ehdr) *eh = header(m);
	if (!eh)
		return NULL;
	static const uint32_t kinds[] = {SHT_SYMTAB, SHT_DYNSYM}; /* full table first */
	for (size_t k = 0; k < 2; k++) {
		for (size_t i = 0; i < eh->e_shnum; i++) {
			const ElfW(Shdr) *sh = section(m, eh, i);
			if (!sh || sh->sh_type != kinds[k])
				continue;
			const char *name = search(m, eh, sh, off, start);
			if (name)
				return name;
		}
	}
	return NULL;
}

const unsigned char *goc__elf_section(const struct link_map *map, const char *name,
                                      size_t *size)
{
	const struct mapped *m = object_file(map);
	const ElfW(Ehdr) *eh = header(m);
	const ElfW(Shdr) *names = eh ? section(m, eh, eh->e_shstrndx) : NULL;
	if (!names)
		return NULL;
	size_t len = strlen(name);
	for (size_t i = 0; i < eh->e_shnum; i++) {
		const ElfW(Shdr) *sh = section(m, eh, i);
		if (!sh || sh->sh_type == SHT_NOBITS ||
		    (sh->sh_flags & SHF_COMPRESSED) || sh->sh_name >= names->sh_size ||
		    names->sh_size - sh->sh_name <= len)
			continue;
		if (memcmp(m->data + names->sh_offset + sh->sh_name, name, len + 1) ==
		    0) {
			*size = sh->sh_size;
			return m->data + sh->sh_offset;
		}
	}
	return NULL;
}
