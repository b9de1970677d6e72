#ifndef TITAN_H
#define TITAN_H
#include <stdint.h>
#include <stddef.h>
/* titan.h v1 storage (whitepaper section 5) */
int32_t titan_storage_read(const uint8_t *key, size_t key_len, uint8_t *buf, size_t buf_len, size_t *out_len); /* 0 ok, -1 absent, -2 buffer too small (*out_len = length needed) */
int32_t titan_storage_write(const uint8_t *key, size_t key_len, const uint8_t *val, size_t val_len);          /* 0 ok, non-zero error */
int32_t titan_storage_delete(const uint8_t *key, size_t key_len);                                             /* 0 deleted, -1 absent */
/* harness entry points; addresses are 20 bytes, amounts 32-byte big-endian words */
void    titan_test_reset(void);
int32_t titan_test_mint(const uint8_t *to, const uint8_t *amount);                          /* 0 ok, 1 supply would overflow */
int32_t titan_test_transfer(const uint8_t *from, const uint8_t *to, const uint8_t *amount); /* 0 ok, 1 insufficient balance */
void    titan_test_balance(const uint8_t *addr, uint8_t *out_amount);
void    titan_test_total_supply(uint8_t *out_amount);
/* WebAssembly only: the host places arguments in linear memory through these */
uint8_t *titan_test_alloc(size_t n);
void    titan_test_free_all(void);
#endif
