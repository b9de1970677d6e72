// A small vault in C, built to WebAssembly and checked against Specs/examples/wasm_vault.tspec
// by `titan conform`:
//
//   clang --target=wasm32 -nostdlib -O2 -Wl,--no-entry -o vault.wasm vault.c
//   titan conform Specs/examples/wasm_vault.tspec --target examples/conform/wasm/vault.wasm
//
// Each action is an export of its name; each state variable a getter export of its name (a map's
// takes its key). The host gives the caller and the time, and revert() undoes the call.
typedef unsigned long long u64;

#define IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#define EXPORT(name) __attribute__((export_name(#name)))

IMPORT(caller) u64 caller(void);
IMPORT(revert) _Noreturn void revert(void);

// Balances by account: open addressing over a fixed table (a run touches a few accounts).
#define SLOTS 256
static u64 keys[SLOTS], values[SLOTS];
static unsigned char used[SLOTS];
static u64 total_deposits;

static u64 *entry(u64 key) {
    unsigned i = (unsigned)(key ^ (key >> 29)) % SLOTS;
    for (unsigned n = 0; n < SLOTS; n++, i = (i + 1) % SLOTS) {
        if (used[i] && keys[i] == key) return &values[i];
        if (!used[i]) { used[i] = 1; keys[i] = key; values[i] = 0; return &values[i]; }
    }
    revert();  // full: refuse rather than lose a balance
}

static u64 add(u64 a, u64 b) { if (a + b < a) revert(); return a + b; }

EXPORT(deposit) void deposit(u64 amount) {
    total_deposits = add(total_deposits, amount);
    u64 *b = entry(caller());
    *b = add(*b, amount);
}

EXPORT(withdraw) void withdraw(u64 amount) {
    u64 *b = entry(caller());
    if (*b < amount) revert();
    *b -= amount;
    total_deposits -= amount;
}

EXPORT(transfer) void transfer(u64 to, u64 amount) {
    if (to == 0) revert();
    u64 *from = entry(caller());
    if (*from < amount) revert();
    *from -= amount;
    u64 *dest = entry(to);
    *dest = add(*dest, amount);
}

EXPORT(balances) u64 balances(u64 who) { return *entry(who); }
EXPORT(total) u64 total(void) { return total_deposits; }
