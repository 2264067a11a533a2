/*
 * Booting on pc99: from the multiboot hand-over to the root task's first instruction.
 * Reads the memory map and the first module, finds the ACPI tables and the TSC
 * frequency, maps the kernel window, then builds the root task's world exactly as
 * types.md §8 describes and enters it.
 */
#include "arch/machine.h"
#include "arch/x86.h"
#include "cdt.h"
#include "console.h"
#include "elf.h"
#include "invariants.h"
#include "kstring.h"
#include "memregion.h"
#include "refill.h"
#include "schedcontext.h"
#include "thread.h"
#include "arch/apic.h"
#include "arch/vspace.h"

/* ---- multiboot (v1) structures ---- */
struct mb_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
};
struct mb_module {
    uint32_t mod_start, mod_end, string, reserved;
};
struct PACKED mb_mmap_entry {
    uint32_t size;
    uint64_t addr, len;
    uint32_t type;
};
#define MB_FLAG_MODS BIT(3)
#define MB_FLAG_MMAP BIT(6)
#define MB_MEMORY_AVAILABLE 1

extern char _kernel_phys_start[], _kernel_phys_end[];

static memregion_list_t ram;       /* usable RAM at or above 1 MiB, whole pages */
static memregion_list_t boot_free; /* RAM nothing is using yet */
static uint8_t mmap_raw[PN_BI_MMAP_ENTRIES * sizeof(struct mb_mmap_entry)];
static uint32_t mmap_raw_len;
static uint8_t rsdp_copy[36];
static bool rsdp_found;
paddr_t boot_objects_start, boot_objects_end;

static void reserve(paddr_t start, word_t len)
{
    if (!memregion_remove(&boot_free, ROUND_DOWN(start, 12), ROUND_UP(start + len, 12)))
        kpanic("boot: memory map too fragmented");
}

static void read_memory_map(const struct mb_info *mbi)
{
    if (!(mbi->flags & MB_FLAG_MMAP))
        kpanic("the boot loader gave no memory map");
    memregion_init(&ram);
    const uint8_t *p = paddr_to_kptr(mbi->mmap_addr), *end = p + mbi->mmap_length;
    while (p + sizeof(struct mb_mmap_entry) <= end) {
        const struct mb_mmap_entry *e = (const void *)p;
        if (e->size == 0 && e->addr == 0 && e->len == 0)
            break; /* some loaders end the map with an all-zero entry */
        if (mmap_raw_len + sizeof(*e) <= sizeof(mmap_raw)) {
            memcpy(mmap_raw + mmap_raw_len, e, sizeof(*e));
            mmap_raw_len += sizeof(*e);
        }
        if (e->type == MB_MEMORY_AVAILABLE && e->addr + e->len > e->addr) {
            paddr_t start = ROUND_UP(MAX(e->addr, 0x100000ul), 12);
            paddr_t stop = ROUND_DOWN(e->addr + e->len, 12);
            if (start < stop && !memregion_add(&ram, start, stop))
                kpanic("boot: memory map too fragmented");
        }
        p += e->size + 4;
    }
    if (memregion_total(&ram) == 0)
        kpanic("the memory map shows no usable RAM above 1 MiB");
    boot_free = ram;
    reserve((paddr_t)_kernel_phys_start, (paddr_t)_kernel_phys_end - (paddr_t)_kernel_phys_start);
}

/* ---- ACPI: the RSDP (for bootinfo) and the MADT (local APIC and IOAPIC addresses) ---- */
struct PACKED acpi_header {
    char signature[4];
    uint32_t length;
    uint8_t revision, checksum;
    char oem[6], oem_table[8];
    uint32_t oem_revision, creator, creator_revision;
};

static bool checksum_ok(const uint8_t *p, word_t n)
{
    uint8_t sum = 0;
    for (word_t i = 0; i < n; i++)
        sum += p[i];
    return sum == 0;
}

static const uint8_t *scan_rsdp(paddr_t start, paddr_t end)
{
    for (paddr_t a = start; a + 36 <= end; a += 16) {
        const uint8_t *p = paddr_to_kptr(a);
        if (memcmp(p, "RSD PTR ", 8) == 0 && checksum_ok(p, 20))
            return p;
    }
    return NULL;
}

static const struct acpi_header *acpi_table(paddr_t a)
{
    if (a == 0 || a >= (4ul << 30))
        return NULL;
    const struct acpi_header *h = paddr_to_kptr(a);
    if (h->length < sizeof(*h) || h->length > (1u << 20) || !checksum_ok((const uint8_t *)h, h->length))
        return NULL;
    return h;
}

static void read_madt(const struct acpi_header *madt)
{
    const uint8_t *p = (const uint8_t *)madt;
    x86_lapic_paddr = *(const uint32_t *)(p + 36);
    for (word_t off = 44; off + 2 <= madt->length && p[off + 1] >= 2; off += p[off + 1]) {
        const uint8_t *e = p + off;
        if (e[0] == 1 && e[1] >= 12 && x86_num_ioapics < X86_MAX_IOAPICS)
            x86_ioapic_paddr[x86_num_ioapics++] = *(const uint32_t *)(e + 4);
        else if (e[0] == 5 && e[1] >= 12)
            x86_lapic_paddr = *(const uint64_t *)(e + 4);
    }
}

static void read_acpi(void)
{
    paddr_t ebda = (paddr_t)*(const uint16_t *)paddr_to_kptr(0x40e) << 4;
    const uint8_t *rsdp = ebda >= 0x80000 && ebda < 0xa0000 ? scan_rsdp(ebda, ebda + 1024) : NULL;
    if (!rsdp)
        rsdp = scan_rsdp(0xe0000, 0x100000);
    x86_lapic_paddr = rdmsr(MSR_APIC_BASE) & ~MASK(12);
    if (!rsdp) {
        kprintf("pecan: no ACPI tables found\n");
        return;
    }
    memcpy(rsdp_copy, rsdp, sizeof(rsdp_copy));
    rsdp_found = true;
    uint8_t revision = rsdp[15];
    uint64_t xsdt = revision >= 2 ? *(const uint64_t *)(rsdp + 24) : 0;
    const struct acpi_header *root = acpi_table(xsdt ? xsdt : *(const uint32_t *)(rsdp + 16));
    if (!root)
        return;
    word_t entry_size = xsdt ? 8 : 4;
    const uint8_t *entries = (const uint8_t *)(root + 1);
    for (word_t i = 0; i < (root->length - sizeof(*root)) / entry_size; i++) {
        paddr_t a = entry_size == 8 ? *(const uint64_t *)(entries + 8 * i) : *(const uint32_t *)(entries + 4 * i);
        const struct acpi_header *t = acpi_table(a);
        if (t && memcmp(t->signature, "APIC", 4) == 0 && t->length >= 44)
            read_madt(t);
    }
}

/* ---- the TSC and local APIC timer frequencies, against PIT channel 2 ---- */
static uint32_t apic_ticks_per_ms;

static uint32_t calibrate_tsc_mhz(void)
{
    const unsigned ms = 10, count = 1193182 * ms / 1000;
    uint8_t gate = inb(0x61);
    outb(0x61, (gate & ~0x02) | 0x01); /* speaker off, gate on */
    outb(0x43, 0xb0);                  /* channel 2, lo/hi byte, mode 0 */
    outb(0x42, count & 0xff);
    outb(0x42, count >> 8);
    uint32_t a0 = apic_timer_count();
    uint64_t t0 = rdtsc();
    for (unsigned long polls = 0; !(inb(0x61) & 0x20); polls++)
        if (polls > 100000000)
            kpanic("the PIT does not count: cannot calibrate the TSC");
    uint64_t ticks = rdtsc() - t0;
    apic_ticks_per_ms = (a0 - apic_timer_count()) / ms;
    outb(0x61, gate);
    return (uint32_t)((ticks + ms * 500) / (ms * 1000));
}

/* ---- the root task ---- */

/* Objects carved for the root task, in one naturally aligned region. */
struct root_layout {
    paddr_t cnode, image, extra, pml4, tables, ipc_buffer, bootinfo, asid_pool, tcb, sc;
    paddr_t base, end;
    word_t n_pdpt, n_pd, n_pt, extra_size;
};

static word_t count_tables(word_t start, word_t end, unsigned bits)
{
    return ((end - 1) >> bits) - (start >> bits) + 1;
}

static word_t extra_bootinfo_length(void)
{
    return (rsdp_found ? sizeof(pn_bi_rsdp_t) : 0) + sizeof(pn_bi_mmap_t) + sizeof(pn_bi_tsc_freq_t);
}

static void plan_root_region(const elf_image_t *img, struct root_layout *l)
{
    word_t user_end = img->v_end + 2 * PN_PAGE_SIZE + l->extra_size;
    l->n_pdpt = count_tables(img->v_start, user_end, 39);
    l->n_pd = count_tables(img->v_start, user_end, 30);
    l->n_pt = count_tables(img->v_start, user_end, 21);
    word_t cnode_size = BIT(PN_CONFIG_ROOT_CNODE_BITS + PN_SLOT_BITS);
    word_t image_size = img->v_end - img->v_start;
    word_t pages4k = 1 + l->n_pdpt + l->n_pd + l->n_pt + 3; /* PML4, tables, IPC, BI, pool */
    /* Largest alignment first, so every object lands naturally aligned. */
    word_t size = cnode_size + l->extra_size + image_size + pages4k * PN_PAGE_SIZE + BIT(PN_TCB_BITS) +
                  BIT(PN_MIN_SCHED_CONTEXT_BITS);
    size = ROUND_UP(size, 12);
    word_t align = MAX(cnode_size, l->extra_size);
    if (!memregion_find(&boot_free, size, align, 0x100000, &l->base))
        kpanic("not enough memory for the root task: it needs %lu KiB in one piece", size >> 10);
    paddr_t p = l->base;
    if (cnode_size >= l->extra_size) {
        l->cnode = p, p += cnode_size;
        l->extra = p, p += l->extra_size;
    } else {
        l->extra = p, p += l->extra_size;
        l->cnode = p, p += cnode_size;
    }
    l->image = p, p += image_size;
    l->pml4 = p, p += PN_PAGE_SIZE;
    l->tables = p, p += (l->n_pdpt + l->n_pd + l->n_pt) * PN_PAGE_SIZE;
    l->ipc_buffer = p, p += PN_PAGE_SIZE;
    l->bootinfo = p, p += PN_PAGE_SIZE;
    l->asid_pool = p, p += PN_PAGE_SIZE;
    l->tcb = p, p += BIT(PN_TCB_BITS);
    l->sc = p;
    l->end = l->base + size;
    reserve(l->base, size);
    boot_objects_start = l->base, boot_objects_end = l->end;
}

struct root_builder {
    cte_t *slots;
    word_t next_slot;
    pn_bootinfo_t *bi;
};

static cte_t *root_slot(struct root_builder *b, word_t index)
{
    if (index >= BIT(PN_CONFIG_ROOT_CNODE_BITS))
        kpanic("the root CNode (%lu slots) is too small for the initial caps", BIT(PN_CONFIG_ROOT_CNODE_BITS));
    return &b->slots[index];
}

static word_t root_add(struct root_builder *b, cap_t cap)
{
    word_t i = b->next_slot++;
    cdt_insert(root_slot(b, i), cap, NULL, true, true);
    return i;
}

static bool carving_device;

static void emit_untyped(void *ctx, uint64_t paddr, unsigned bits)
{
    struct root_builder *b = ctx;
    pn_bootinfo_t *bi = b->bi;
    word_t k = b->next_slot - bi->untyped.start;
    if (k >= PN_CONFIG_MAX_BOOTINFO_UNTYPEDS) {
        kprintf("pecan: more than %u untypeds: dropping %lx (2^%u bytes)\n",
                PN_CONFIG_MAX_BOOTINFO_UNTYPEDS, paddr, bits);
        return;
    }
    bi->untyped_list[k] = (pn_untyped_desc_t){.paddr = paddr, .size_bits = bits, .is_device = carving_device};
    root_add(b, cap_untyped(paddr, bits, carving_device, BIT(bits)));
    invariants_boot_untyped(paddr, bits);
}

static void add_untypeds(struct root_builder *b, const struct root_layout *l)
{
    b->bi->untyped.start = b->next_slot;
    memregion_list_t device;
    memregion_init(&device);
    memregion_add(&device, 0, BIT(PN_MAX_UNTYPED_BITS));
    for (unsigned i = 0; i < ram.n; i++)
        memregion_remove(&device, ram.r[i].start, ram.r[i].end);
    memregion_remove(&device, x86_lapic_paddr, x86_lapic_paddr + PN_PAGE_SIZE);
    for (unsigned i = 0; i < x86_num_ioapics; i++)
        memregion_remove(&device, x86_ioapic_paddr[i], x86_ioapic_paddr[i] + PN_PAGE_SIZE);
    carving_device = true;
    for (unsigned i = 0; i < device.n; i++)
        memregion_carve(device.r[i].start, device.r[i].end, PN_MIN_UNTYPED_BITS, PN_MAX_UNTYPED_BITS,
                        emit_untyped, b);

    memregion_list_t free = ram;
    memregion_remove(&free, (paddr_t)_kernel_phys_start, (paddr_t)_kernel_phys_end);
    memregion_remove(&free, l->base, l->end);
    carving_device = false;
    for (unsigned i = 0; i < free.n; i++)
        memregion_carve(free.r[i].start, free.r[i].end, PN_MIN_UNTYPED_BITS, PN_MAX_UNTYPED_BITS,
                        emit_untyped, b);
    b->bi->untyped.end = b->next_slot;
}

static word_t write_extra_bootinfo(uint8_t *p)
{
    uint8_t *start = p;
    if (rsdp_found) {
        pn_bi_rsdp_t c = {{PN_BI_CHUNK_X86_ACPI_RSDP, sizeof(c)}, {0}};
        memcpy(c.rsdp, rsdp_copy, sizeof(c.rsdp));
        memcpy(p, &c, sizeof(c));
        p += sizeof(c);
    }
    pn_bi_mmap_t *m = (pn_bi_mmap_t *)p;
    m->header = (pn_bootinfo_header_t){PN_BI_CHUNK_X86_MBMMAP, sizeof(*m)};
    m->mmap_length = mmap_raw_len;
    memcpy(m->entries, mmap_raw, mmap_raw_len);
    p += sizeof(*m);
    pn_bi_tsc_freq_t t = {{PN_BI_CHUNK_X86_TSC_FREQ, sizeof(t)}, machine_tsc_mhz};
    memcpy(p, &t, sizeof(t));
    p += sizeof(t);
    return p - start;
}

static void create_root_task(const struct mb_info *mbi)
{
    if (!(mbi->flags & MB_FLAG_MODS) || mbi->mods_count == 0)
        kpanic("no boot module: the root task ELF must be the first multiboot module");
    const struct mb_module *mods = paddr_to_kptr(mbi->mods_addr);
    reserve(mbi->mods_addr, mbi->mods_count * sizeof(*mods));
    for (uint32_t i = 0; i < mbi->mods_count; i++)
        if (mods[i].mod_end > mods[i].mod_start)
            reserve(mods[i].mod_start, mods[i].mod_end - mods[i].mod_start);
    const void *elf = paddr_to_kptr(mods[0].mod_start);
    word_t elf_size = mods[0].mod_end > mods[0].mod_start ? mods[0].mod_end - mods[0].mod_start : 0;

    struct root_layout l = {0};
    l.extra_size = PN_PAGE_SIZE;
    while (l.extra_size < extra_bootinfo_length())
        l.extra_size <<= 1;
    elf_image_t img;
    const char *why;
    if (elf_check(elf, elf_size, PN_USER_TOP, 2 * PN_PAGE_SIZE + l.extra_size, &img, &why))
        kpanic("the root task module is not a usable x86-64 ELF executable: %s", why);
    plan_root_region(&img, &l);
    memset(paddr_to_kptr(l.base), 0, l.end - l.base);
    elf_load(elf, &img, paddr_to_kptr(l.image));

    word_t ipc_vaddr = img.v_end, bi_vaddr = img.v_end + PN_PAGE_SIZE, extra_vaddr = bi_vaddr + PN_PAGE_SIZE;
    struct root_builder b = {.slots = paddr_to_kptr(l.cnode), .next_slot = PN_NUM_INITIAL_CAPS,
                             .bi = paddr_to_kptr(l.bootinfo)};
    pn_bootinfo_t *bi = b.bi;

    /* The fixed slots (types.md §8.2). */
    tcb_t *tcb = paddr_to_kptr(l.tcb);
    sched_context_t *sc = paddr_to_kptr(l.sc);
    uint64_t *pml4 = paddr_to_kptr(l.pml4);
    const word_t asid = 1;
    unsigned r = PN_CONFIG_ROOT_CNODE_BITS;
    cdt_insert(&b.slots[PN_CAP_SLOT_INIT_TCB], cap_thread(tcb), NULL, true, true);
    cdt_insert(&b.slots[PN_CAP_SLOT_INIT_CNODE], cap_cnode(b.slots, r, 64 - r, 0), NULL, true, true);
    invariants_memory_reused(b.slots[PN_CAP_SLOT_INIT_CNODE].cap);
    cdt_insert(&b.slots[PN_CAP_SLOT_INIT_VSPACE], cap_table(PN_CAP_PML4, pml4, asid, 0), NULL, true, true);
    cdt_insert(&b.slots[PN_CAP_SLOT_IRQ_CONTROL], cap_simple(PN_CAP_IRQ_CONTROL), NULL, true, true);
    cdt_insert(&b.slots[PN_CAP_SLOT_ASID_CONTROL], cap_simple(PN_CAP_ASID_CONTROL), NULL, true, true);
    cdt_insert(&b.slots[PN_CAP_SLOT_INIT_ASID_POOL], cap_asid_pool(paddr_to_kptr(l.asid_pool), 0), NULL, true, true);
    cdt_insert(&b.slots[PN_CAP_SLOT_IO_PORT_CONTROL], cap_simple(PN_CAP_IO_PORT_CONTROL), NULL, true, true);
    cdt_insert(&b.slots[PN_CAP_SLOT_BOOTINFO_FRAME],
               cap_frame(l.bootinfo, FRAME_4K, VM_READ_WRITE, false, asid, bi_vaddr), NULL, true, true);
    cdt_insert(&b.slots[PN_CAP_SLOT_INIT_IPC_BUFFER],
               cap_frame(l.ipc_buffer, FRAME_4K, VM_READ_WRITE, false, asid, ipc_vaddr), NULL, true, true);
    cdt_insert(&b.slots[PN_CAP_SLOT_DOMAIN], cap_simple(PN_CAP_DOMAIN), NULL, true, true);
    cdt_insert(&b.slots[PN_CAP_SLOT_INIT_SC], cap_sched_context(sc, PN_MIN_SCHED_CONTEXT_BITS), NULL, true, true);

    bi->sched_control.start = b.next_slot;
    root_add(&b, cap_simple(PN_CAP_SCHED_CONTROL));
    bi->sched_control.end = b.next_slot;

    /* The VSpace: ASID 1 of pool 0; tables in address order, then the mappings. */
    vspace_init_root(pml4);
    asid_pool_t *pool = paddr_to_kptr(l.asid_pool);
    pool->pml4[asid] = pml4;
    x86_asid_table[0] = pool;
    bi->user_image_paging.start = b.next_slot;
    paddr_t next_table = l.tables;
    word_t user_end = extra_vaddr + l.extra_size;
    static const struct { enum pn_cap_type type; unsigned bits; } levels[] = {
        {PN_CAP_PDPT, 39}, {PN_CAP_PAGE_DIRECTORY, 30}, {PN_CAP_PAGE_TABLE, 21}};
    for (unsigned lv = 0; lv < ARRAY_SIZE(levels); lv++) {
        for (word_t v = ROUND_DOWN(img.v_start, levels[lv].bits); v < user_end; v += BIT(levels[lv].bits)) {
            void *table = paddr_to_kptr(next_table);
            next_table += PN_PAGE_SIZE;
            vspace_install_table(pml4, levels[lv].type, v, table);
            root_add(&b, cap_table(levels[lv].type, table, asid, v));
        }
    }
    bi->user_image_paging.end = b.next_slot;

    bi->extra_bi_pages.start = b.next_slot;
    for (word_t off = 0; off < l.extra_size; off += PN_PAGE_SIZE) {
        vspace_map_4k(pml4, extra_vaddr + off, l.extra + off);
        root_add(&b, cap_frame(l.extra + off, FRAME_4K, VM_READ_WRITE, false, asid, extra_vaddr + off));
    }
    bi->extra_bi_pages.end = b.next_slot;

    bi->user_image_frames.start = b.next_slot;
    for (word_t v = img.v_start; v < img.v_end; v += PN_PAGE_SIZE) {
        paddr_t p = l.image + (v - img.v_start);
        vspace_map_4k(pml4, v, p);
        root_add(&b, cap_frame(p, FRAME_4K, VM_READ_WRITE, false, asid, v));
    }
    bi->user_image_frames.end = b.next_slot;
    vspace_map_4k(pml4, ipc_vaddr, l.ipc_buffer);
    vspace_map_4k(pml4, bi_vaddr, l.bootinfo);

    add_untypeds(&b, &l);

    bi->extra_len = write_extra_bootinfo(paddr_to_kptr(l.extra));
    bi->node_id = 0;
    bi->num_nodes = 1;
    bi->num_iopt_levels = ~0ul;
    bi->ipc_buffer = ipc_vaddr;
    bi->empty = (pn_slot_region_t){b.next_slot, BIT(r)};
    bi->init_thread_cnode_size_bits = r;
    bi->init_thread_domain = 0;

    /* The initial thread (types.md §8.4). */
    thread_init(tcb, "rootserver");
    tcb->priority = tcb->mcp = PN_CONFIG_NUM_PRIORITIES - 1;
    tcb->ipc_buffer = ipc_vaddr;
    cdt_insert(&tcb->slots[TCB_SLOT_CTABLE], b.slots[PN_CAP_SLOT_INIT_CNODE].cap,
               &b.slots[PN_CAP_SLOT_INIT_CNODE], false, false);
    cdt_insert(&tcb->slots[TCB_SLOT_VTABLE], b.slots[PN_CAP_SLOT_INIT_VSPACE].cap,
               &b.slots[PN_CAP_SLOT_INIT_VSPACE], false, false);
    cdt_insert(&tcb->slots[TCB_SLOT_BUFFER], cap_frame(l.ipc_buffer, FRAME_4K, VM_READ_WRITE, false, 0, 0),
               &b.slots[PN_CAP_SLOT_INIT_IPC_BUFFER], false, false);
    tcb->ctx.rip = img.entry;
    tcb->ctx.rdi = bi_vaddr;
    tcb->ctx.error = 0; /* first entry through IRETQ */

    sc_init_round_robin(sc, (word_t)PN_CONFIG_BOOT_TIME_SLICE_MS * 1000 * machine_tsc_mhz);
    sc->tcb = tcb;
    tcb->sc = sc;
    tcb->state = TS_RUNNING;
    ks_cur = tcb;

    kprintf("pecan: root task %lx-%lx entry %lx; %lu untypeds, first free slot %lu\n", img.v_start,
            img.v_end, img.entry, bi->untyped.end - bi->untyped.start, bi->empty.start);
}

NORETURN void boot_main(uint32_t mbi_paddr)
{
    console_init();
    kprintf("\npecan: booting\n");
    machine_init_cpu();
    vspace_map_kernel_window(4ul << 30); /* enough to read what the loader left */
    const struct mb_info *mbi = paddr_to_kptr(mbi_paddr);
    read_memory_map(mbi);
    word_t window_end = vspace_map_kernel_window(ram.r[ram.n - 1].end);
    if (window_end < ram.r[ram.n - 1].end) {
        kprintf("pecan: RAM above %lu GiB lies outside the kernel window: left unused\n", window_end >> 30);
        memregion_remove(&ram, window_end, ~0ul);
        memregion_remove(&boot_free, window_end, ~0ul);
    }
    reserve(mbi_paddr, sizeof(*mbi));
    reserve(mbi->mmap_addr, mbi->mmap_length);
    read_acpi();
    apic_init();
    machine_tsc_mhz = calibrate_tsc_mhz();
    refill_min_budget_ticks = (word_t)MIN_BUDGET_US * machine_tsc_mhz;
    kprintf("pecan: %lu MiB of RAM, TSC %u MHz, %u IOAPIC(s)\n", memregion_total(&ram) >> 20,
            machine_tsc_mhz, x86_num_ioapics);
    create_root_task(mbi);
    vspace_drop_identity_map();
    apic_timer_init(apic_ticks_per_ms);
    ks_cur_time = machine_now();
    ks_cur_sc = ks_cur->sc;
    ks_reprogram = true;
    kernel_exit();
}
