# pragma version ~=0.4.3
"""
@title titan_ledger
@notice The titan.h storage and ledger calls on the EVM (backends/titan.h), for `titan fuzz
        --backend evm-boa` (backends/runtimes/evm_boa.py compiles it with Vyper and runs it on
        py-evm through titanoboa).

        Storage is laid out as the Solidity contract that the built-in `evm` model describes
        (Sources/TitanBackends/EVMBackend.swift and EVMStorage.swift):

            mapping(bytes => bytes) store;          // slot 0
            mapping(address => uint256) balances;   // slot 1
            uint256 totalSupply;                    // slot 2

        Vyper's own HashMap would not give that layout: it puts an entry at
        keccak256(pad32(slot) . key) (the slot first; Solidity hashes the key first), and a
        Bytes value as a length word followed by its data in the next slots (Solidity: short
        values in one word, long ones at keccak256(slot)). So the contract's one storage
        variable is an array of words spanning storage, `words[i]` being slot i, and Solidity's
        mapping and `bytes` rules are written out below; every SLOAD, SSTORE and KECCAK256 is
        the EVM's own.

        Keys are at most 64 bytes and values at most 256 bytes, the reference model's bounds.
        As on a plain Solidity mapping, an empty value is a zero length word, the same as an
        absent key (the known divergence `empty-value-is-absent`).
"""

# Slot i of the contract's storage. The last slot, 2^256 - 1, is outside the array: an entry
# hashed exactly there (probability 2^-256) would revert.
words: uint256[max_value(uint256)]

STORE_SLOT: constant(uint256) = 0
BALANCES_SLOT: constant(uint256) = 1
SUPPLY_SLOT: constant(uint256) = 2


@internal
@pure
def _entry_slot(key: Bytes[64]) -> uint256:
    # mapping(bytes => V) at slot 0: keccak256(key . pad32(0)), the key not padded.
    return convert(keccak256(concat(key, convert(STORE_SLOT, bytes32))), uint256)


@internal
@pure
def _balance_slot(owner: address) -> uint256:
    # mapping(address => uint256) at slot 1: keccak256(pad32(owner) . pad32(1)).
    return convert(keccak256(abi_encode(owner, BALANCES_SLOT)), uint256)


@internal
@pure
def _data_slot(slot: uint256) -> uint256:
    # The first data word of a long `bytes` value stored at `slot`: keccak256(pad32(slot)).
    return convert(keccak256(convert(slot, bytes32)), uint256)


@internal
@view
def _length(slot: uint256) -> uint256:
    # Short form: 2 * len in the low byte. Long form: the word is 2 * len + 1.
    word: uint256 = self.words[slot]
    if word & 1 == 0:
        return (word & 255) >> 1
    return (word - 1) >> 1


@internal
def _clear(slot: uint256):
    # `delete` of a `bytes` value: its length word and every data word become zero.
    word: uint256 = self.words[slot]
    if word & 1 == 1:
        data: uint256 = self._data_slot(slot)
        for i: uint256 in range((((word - 1) >> 1) + 31) // 32, bound=8):
            self.words[unsafe_add(data, i)] = 0
    self.words[slot] = 0


@internal
def _write(slot: uint256, val: Bytes[256]):
    self._clear(slot)
    n: uint256 = len(val)
    padded: Bytes[288] = concat(val, empty(bytes32))
    if n <= 31:
        self.words[slot] = convert(extract32(padded, 0), uint256) | (2 * n)
        return
    self.words[slot] = 2 * n + 1
    data: uint256 = self._data_slot(slot)
    for i: uint256 in range(8):
        if i * 32 >= n:
            break
        self.words[unsafe_add(data, i)] = convert(extract32(padded, i * 32), uint256)


@internal
@view
def _read(slot: uint256, n: uint256) -> Bytes[256]:
    word: uint256 = self.words[slot]
    if word & 1 == 0:
        return slice(convert(word, bytes32), 0, n)
    data: uint256 = self._data_slot(slot)
    w: uint256[8] = empty(uint256[8])
    for i: uint256 in range(8):
        if i * 32 >= n:
            break
        w[i] = self.words[unsafe_add(data, i)]
    whole: Bytes[256] = concat(convert(w[0], bytes32), convert(w[1], bytes32), convert(w[2], bytes32),
                               convert(w[3], bytes32), convert(w[4], bytes32), convert(w[5], bytes32),
                               convert(w[6], bytes32), convert(w[7], bytes32))
    return slice(whole, 0, n)


@external
def storage_write(key: Bytes[64], val: Bytes[256]) -> int256:
    self._write(self._entry_slot(key), val)
    return 0


@external
@view
def storage_read(key: Bytes[64], buf_len: uint256) -> (int256, uint256, Bytes[256]):
    # ret 0 with the value, -1 absent (a zero length word), -2 with the length needed.
    slot: uint256 = self._entry_slot(key)
    n: uint256 = self._length(slot)
    if n == 0:
        return -1, 0, b""
    if n > buf_len:
        return -2, n, b""
    return 0, n, self._read(slot, n)


@external
def storage_delete(key: Bytes[64]) -> int256:
    slot: uint256 = self._entry_slot(key)
    if self._length(slot) == 0:
        return -1
    self._clear(slot)
    return 0


@external
def mint(to: address, amount: uint256):
    # Checked arithmetic: a supply past 2^256 - 1 reverts the call (titan.h: ret 1).
    self.words[SUPPLY_SLOT] = self.words[SUPPLY_SLOT] + amount
    slot: uint256 = self._balance_slot(to)
    self.words[slot] = self.words[slot] + amount


@external
def transfer(sender: address, to: address, amount: uint256):
    # titan_test_transfer names the sender (a harness entry point: no msg.sender check).
    # An insufficient balance underflows and reverts the call (titan.h: ret 1). The sender is
    # written before the receiver is read, so sender == to leaves the balance as it was.
    from_slot: uint256 = self._balance_slot(sender)
    self.words[from_slot] = self.words[from_slot] - amount
    to_slot: uint256 = self._balance_slot(to)
    self.words[to_slot] = self.words[to_slot] + amount


@external
@view
def balance_of(owner: address) -> uint256:
    return self.words[self._balance_slot(owner)]


@external
@view
def total_supply() -> uint256:
    return self.words[SUPPLY_SLOT]
