#!/usr/bin/env python3
"""titan fuzz backend `ton-pytvm`: the titan.h storage calls as TVM dictionary get-methods.

TON's own TVM (the emulator library pytvm 0.0.14 ships, `libemulator`) runs three small
get-methods, hand-assembled here, on the `ton` model's storage dictionary, a
`HashmapE 520 ^Cell`: the key is a length byte and the key padded to 64 bytes, the value a chain
of cells of at most 127 bytes each (each cell's one reference the next). Every dictionary
operation, the binary Patricia trie's labels, forks and cells, is TVM's:

    read:   DROP  PUSHINT 520  DICTGETREF        (key D -- value -1 | 0)
    write:  DROP  PUSHINT 520  DICTSETREF        (value key D -- D')
    delete: DROP  PUSHINT 520  DICTDEL           (key D -- D' -1 | D 0)

(`DROP` drops the method id the emulator pushes.) A get-method cannot commit c4, so the
dictionary's root is passed in and returned on the stack, and the adapter keeps the root between
calls (`reset`: the empty dictionary, null). The adapter only builds the key slice and the value
chain with pytoniq-core and reads a returned chain back; a TVM failure (an exit code other than
0 or 1) ends the adapter, which titan reports as a backend failure with the sequence so far.

Ledger calls are not supported: the reply to `reset` says `"supports":"storage"`.

`TITAN_TON_PYTVM_PLANT=NAME` (or `--plant NAME`) plants a bug, to check that the fuzzer finds
it: `delete-keeps-root` (a delete answers DICTDEL's flag but keeps the old root, as if D' were
dropped) and `no-length-byte` (the key is the padded key alone: keys that differ only by
trailing zero bytes are one key).
"""
import sys
import warnings

from jsonlines import serve

warnings.filterwarnings("ignore")   # pytvm imports pkg_resources, which warns that it is deprecated

try:
    import glob
    import os
    import pytvm.engine
    from pytoniq_core import Cell, begin_cell
    from pytvm.engine import EmulatorEngineC
    from pytvm.tvm_emulator import TvmEmulator
except ImportError as e:
    sys.exit(f"ton_pytvm.py: {e}: pytvm is not installed in this Python; run ./scripts/setup (it installs it into .venv)")

PLANTS = ("delete-keeps-root", "no-length-byte")
PLANT = os.environ.get("TITAN_TON_PYTVM_PLANT") or None
if "--plant" in sys.argv:
    PLANT = sys.argv[sys.argv.index("--plant") + 1]
if PLANT is not None and PLANT not in PLANTS:
    sys.exit(f"ton_pytvm.py: unknown plant {PLANT!r} (known: {', '.join(PLANTS)})")
CELL_BYTES = 127
DROP, PUSHINT_520 = bytes([0x30]), bytes([0x81, 0x02, 0x08])
DICTGETREF, DICTSETREF, DICTDEL = bytes([0xF4, 0x0B]), bytes([0xF4, 0x13]), bytes([0xF4, 0x59])


# The emulator library pytvm ships beside its engine (EmulatorEngineC.default() finds it the same
# way through pkg_resources, which newer setuptools no longer has).
ENGINE = EmulatorEngineC(glob.glob(os.path.join(os.path.dirname(pytvm.engine.__file__), "libemulator*"))[0])
ENGINE.emulator_set_verbosity_level(0)


def method(*ops):
    code = begin_cell().store_bytes(b"".join(ops)).end_cell()
    return TvmEmulator(code, Cell.empty(), engine=ENGINE)


READ, WRITE, DELETE = (method(DROP, PUSHINT_520, op) for op in (DICTGETREF, DICTSETREF, DICTDEL))


def key_slice(key):
    if PLANT == "no-length-byte":
        return begin_cell().store_uint(0, 8).store_bytes(key + bytes(64 - len(key))).end_cell().begin_parse()
    return begin_cell().store_uint(len(key), 8).store_bytes(key + bytes(64 - len(key))).end_cell().begin_parse()


def chain(value):
    """The value as a chain of cells of at most 127 bytes (an empty value is one empty cell)."""
    parts = [value[i:i + CELL_BYTES] for i in range(0, len(value), CELL_BYTES)] or [b""]
    cell = None
    for part in reversed(parts):
        b = begin_cell().store_bytes(part)
        if cell is not None:
            b.store_ref(cell)
        cell = b.end_cell()
    return cell


def unchain(cell):
    out = b""
    while True:
        s = cell.begin_parse()
        out += s.load_bytes(s.remaining_bits // 8)
        if not cell.refs:
            return out
        cell = cell.refs[0]


def run(emulator, stack):
    r = emulator.run_get_method(0, stack)
    if not r.get("success") or r.get("vm_exit_code") not in (0, 1):
        sys.exit(f"ton_pytvm.py: TVM failed: {r}")
    return r["stack"]


class Storage:
    def __init__(self):
        self.root = None   # the HashmapE's root cell; None: empty

    def read(self, key, buf_len):
        out = run(READ, [key_slice(key), self.root])
        if out[-1] == 0:
            return {"ret": -1}
        value = unchain(out[0])
        if len(value) > buf_len:
            return {"ret": -2, "out_len": len(value)}
        return {"ret": 0, "value": "0x" + value.hex(), "out_len": len(value)}

    def write(self, key, value):
        self.root = run(WRITE, [chain(value), key_slice(key), self.root])[0]
        return {"ret": 0}

    def delete(self, key):
        out = run(DELETE, [key_slice(key), self.root])
        if PLANT != "delete-keeps-root":
            self.root = out[0]
        return {"ret": 0 if out[-1] == -1 else -1}


def main():
    storage = Storage()
    raw = lambda h: bytes.fromhex(h[2:])

    def handle(req):
        nonlocal storage
        op = req["op"]
        if op == "reset":
            storage = Storage()
            return {"ret": 0, "supports": "storage"}
        if op == "storage_write":
            return storage.write(raw(req["key"]), raw(req["value"]))
        if op == "storage_read":
            return storage.read(raw(req["key"]), int(req["buf_len"]))
        if op == "storage_delete":
            return storage.delete(raw(req["key"]))
        # Ledger calls: this backend says it does not take them (see the docstring).
        return {"ret": 98, "error": f"{op} is not supported (storage only)"}

    serve(handle)


if __name__ == "__main__":
    main()
