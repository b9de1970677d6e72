/* The reference backend for titan.h v1: the semantics of Specs/kernel/vss.tspec (storage) and
 * Specs/kernel/ledger.tspec (mint, transfer, balances, supply), in C without libc, so that the
 * same file builds as a native shared library and as a WebAssembly module:
 *
 *   cc -shared -fPIC -O2 -o libtitan_reference.so titan_reference.c
 *   clang --target=wasm32 -nostdlib -Wl,--no-entry -Wl,--export-all -o titan_reference.wasm titan_reference.c
 *
 * No allocator: storage and balances live in static arrays, bounded like the reference model
 * (keys at most 64 bytes, values at most 256). A write that does not fit returns an error code.
 *
 * Planted bugs, one macro each, to check that `titan fuzz --backend-lib` finds and shrinks them:
 *   -DPLANT_TRANSFER_SELF  the receiver's balance is read before the sender is debited
 *   -DPLANT_DELETE_KEEPS   delete empties the value but leaves the key present
 *   -DPLANT_SHORT_BUFFER   a buffer of exactly the value's length is reported too small
 *   -DPLANT_SUPPLY_WRAPS   mint does not check the total supply for overflow
 * and failures the fuzzer must survive:
 *   -DPLANT_CRASH_NULL     read dereferences the entry before checking it exists (SIGSEGV)
 *   -DPLANT_HANG           write never releases its busy flag; the next read waits forever
 * -DTITAN_STORAGE_ONLY leaves out the ledger entry points (the library is fuzzed on storage only).
 */
#include "../titan.h"

#define KEY_MAX 64
#define VALUE_MAX 256
#define ENTRY_MAX 1024
#define ACCOUNT_MAX 1024
#define ARENA_SIZE (1 << 20)

/* Return codes of titan_storage_write beyond 0. */
#define WRITE_TOO_LARGE 2
#define WRITE_STORAGE_FULL 3

static void copy_bytes(uint8_t *dst, const uint8_t *src, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = src[i];
}

static int equal_bytes(const uint8_t *a, const uint8_t *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

#if defined(__wasm__)
/* Without libc the compiler's own calls for copies and clears (struct assignment, loops it
 * recognises at -O2) need these; no_builtin keeps it from turning their loops into calls to
 * themselves. */
__attribute__((no_builtin("memcpy"))) void *memcpy(void *dst, const void *src, size_t n) {
    copy_bytes((uint8_t *)dst, (const uint8_t *)src, n);
    return dst;
}
__attribute__((no_builtin("memset"))) void *memset(void *dst, int c, size_t n) {
    uint8_t *d = (uint8_t *)dst;
    for (size_t i = 0; i < n; i++) d[i] = (uint8_t)c;
    return dst;
}
#endif

/* ---- storage ---- */

struct entry {
    uint8_t key[KEY_MAX];
    uint8_t value[VALUE_MAX];
    size_t key_len;
    size_t value_len;
};

/* Live entries are entries[0 .. entry_count); a delete moves the last one into the hole. */
static struct entry entries[ENTRY_MAX];
static size_t entry_count;
/* Set while a write is under way. */
static volatile int32_t write_in_progress;

static struct entry *find_entry(const uint8_t *key, size_t key_len) {
    for (size_t i = 0; i < entry_count; i++)
        if (entries[i].key_len == key_len && equal_bytes(entries[i].key, key, key_len)) return &entries[i];
    return 0;
}

int32_t titan_storage_write(const uint8_t *key, size_t key_len, const uint8_t *val, size_t val_len) {
    if (key_len > KEY_MAX || val_len > VALUE_MAX) return WRITE_TOO_LARGE;
    write_in_progress = 1;
    struct entry *e = find_entry(key, key_len);
    if (!e) {
        if (entry_count == ENTRY_MAX) {
            write_in_progress = 0;
            return WRITE_STORAGE_FULL;
        }
        e = &entries[entry_count++];
        copy_bytes(e->key, key, key_len);
        e->key_len = key_len;
    }
    copy_bytes(e->value, val, val_len);
    e->value_len = val_len;
#ifndef PLANT_HANG
    write_in_progress = 0;
#endif
    return 0;
}

int32_t titan_storage_read(const uint8_t *key, size_t key_len, uint8_t *buf, size_t buf_len, size_t *out_len) {
    while (write_in_progress) {
        /* A write is under way (never, single-threaded, unless one failed to finish). */
    }
    struct entry *e = find_entry(key, key_len);
#ifdef PLANT_CRASH_NULL
    *out_len = e->value_len;
#endif
    if (!e) return -1;
    *out_len = e->value_len;
#ifdef PLANT_SHORT_BUFFER
    if (e->value_len >= buf_len) return -2;
#else
    if (e->value_len > buf_len) return -2;
#endif
    copy_bytes(buf, e->value, e->value_len);
    return 0;
}

int32_t titan_storage_delete(const uint8_t *key, size_t key_len) {
    struct entry *e = find_entry(key, key_len);
    if (!e) return -1;
#ifdef PLANT_DELETE_KEEPS
    e->value_len = 0;
#else
    struct entry *last = &entries[--entry_count];
    if (e != last) {
        copy_bytes(e->key, last->key, last->key_len);
        e->key_len = last->key_len;
        copy_bytes(e->value, last->value, last->value_len);
        e->value_len = last->value_len;
    }
#endif
    return 0;
}

/* ---- ledger: amounts are 32-byte big-endian words ---- */

#ifndef TITAN_STORAGE_ONLY
struct account {
    uint8_t address[20];
    uint8_t balance[32];
};

static void zero_bytes(uint8_t *dst, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = 0;
}

static struct account accounts[ACCOUNT_MAX];
static size_t account_count;
static uint8_t total_supply[32];

/* out = a + b; returns the carry out of the top byte (1: the sum does not fit 256 bits). */
static int add_words(uint8_t *out, const uint8_t *a, const uint8_t *b) {
    unsigned carry = 0;
    for (int i = 31; i >= 0; i--) {
        unsigned s = (unsigned)a[i] + b[i] + carry;
        out[i] = (uint8_t)s;
        carry = s >> 8;
    }
    return (int)carry;
}

/* out = a - b, for a >= b. */
static void sub_words(uint8_t *out, const uint8_t *a, const uint8_t *b) {
    int borrow = 0;
    for (int i = 31; i >= 0; i--) {
        int d = (int)a[i] - b[i] - borrow;
        borrow = d < 0;
        out[i] = (uint8_t)(d + (borrow << 8));
    }
}

static int less_than(const uint8_t *a, const uint8_t *b) {
    for (int i = 0; i < 32; i++)
        if (a[i] != b[i]) return a[i] < b[i];
    return 0;
}

/* The balance word of `address`, created at zero when absent; 0 when the table is full. */
static uint8_t *balance_of(const uint8_t *address) {
    for (size_t i = 0; i < account_count; i++)
        if (equal_bytes(accounts[i].address, address, 20)) return accounts[i].balance;
    if (account_count == ACCOUNT_MAX) return 0;
    struct account *a = &accounts[account_count++];
    copy_bytes(a->address, address, 20);
    zero_bytes(a->balance, 32);
    return a->balance;
}

int32_t titan_test_mint(const uint8_t *to, const uint8_t *amount) {
    uint8_t supply[32];
    int overflow = add_words(supply, total_supply, amount);
#ifndef PLANT_SUPPLY_WRAPS
    if (overflow) return 1;
#endif
    (void)overflow;
    uint8_t *balance = balance_of(to);
    if (!balance) return 2;
    copy_bytes(total_supply, supply, 32);
    /* Cannot carry: a balance is at most the supply, which did not. */
    add_words(balance, balance, amount);
    return 0;
}

int32_t titan_test_transfer(const uint8_t *from, const uint8_t *to, const uint8_t *amount) {
    uint8_t *source = balance_of(from), *target = balance_of(to);
    if (!source || !target) return 2;
    if (less_than(source, amount)) return 1;
    uint8_t credited[32];
#ifdef PLANT_TRANSFER_SELF
    add_words(credited, target, amount);
#endif
    sub_words(source, source, amount);
#ifndef PLANT_TRANSFER_SELF
    /* Read after the debit, so that a transfer to oneself changes nothing. */
    add_words(credited, target, amount);
#endif
    copy_bytes(target, credited, 32);
    return 0;
}

void titan_test_balance(const uint8_t *addr, uint8_t *out_amount) {
    for (size_t i = 0; i < account_count; i++)
        if (equal_bytes(accounts[i].address, addr, 20)) {
            copy_bytes(out_amount, accounts[i].balance, 32);
            return;
        }
    zero_bytes(out_amount, 32);
}

void titan_test_total_supply(uint8_t *out_amount) {
    copy_bytes(out_amount, total_supply, 32);
}
#endif

void titan_test_reset(void) {
    entry_count = 0;
    write_in_progress = 0;
#ifndef TITAN_STORAGE_ONLY
    account_count = 0;
    zero_bytes(total_supply, 32);
#endif
    titan_test_free_all();
}

/* ---- argument memory for a WebAssembly host: a bump arena, emptied by free_all ---- */

static uint8_t arena[ARENA_SIZE];
static size_t arena_used;

uint8_t *titan_test_alloc(size_t n) {
    size_t start = (arena_used + 7) & ~(size_t)7;
    if (start > ARENA_SIZE || n > ARENA_SIZE - start) return 0;
    arena_used = start + n;
    return arena + start;
}

void titan_test_free_all(void) {
    arena_used = 0;
}
