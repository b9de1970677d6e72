#!/usr/bin/env python3
"""titan fuzz backend `evm-boa`: the titan.h calls on the real EVM.

backends/runtimes/evm/titan_ledger.vy is compiled by the Vyper compiler and deployed on py-evm
through titanoboa; every request of the external JSON Lines protocol (Docs/fuzzing.md, "External
backends") is one call of that contract. `reset` reverts the EVM to the snapshot taken right
after deployment.

- mint and transfer revert on a supply overflow or an insufficient balance (the contract's
  checked arithmetic); a reverted call is ret 1, as titan.h has it.
- A storage call that reverts (it never should) is ret 3, so that the fuzzer reports it.
- One request beyond the protocol, for tests: `{"id", "op": "storage_at", "slot": "0x.."}`
  answers `{"id", "ret": 0, "word": "0x<32 bytes>"}`, the contract's raw storage word at that
  slot (titanoboa's `env.evm.get_storage`).

A planted bug (to check that the fuzzer finds one): `--plant NAME` or the environment variable
TITAN_EVM_BOA_PLANT=NAME compiles a copy of the contract with one line changed (PLANTS below).
"""
import os
import sys
import warnings

from jsonlines import serve

HERE = os.path.dirname(os.path.abspath(__file__))
CONTRACT = os.path.join(HERE, "evm", "titan_ledger.vy")

# name: (the line as it is in titan_ledger.vy, the line that replaces it)
PLANTS = {
    # The total supply wraps instead of reverting: mint(a, 1); mint(b, 2^256 - 1) succeeds.
    "supply-wraps": ("    self.words[SUPPLY_SLOT] = self.words[SUPPLY_SLOT] + amount",
                     "    self.words[SUPPLY_SLOT] = unsafe_add(self.words[SUPPLY_SLOT], amount)"),
    # A buffer of exactly the value's length is reported too small.
    "short-buffer": ("    if n > buf_len:", "    if n >= buf_len:"),
}


def contract_source(plant):
    with open(CONTRACT) as f:
        source = f.read()
    if not plant:
        return source
    if plant not in PLANTS:
        sys.exit(f"evm_boa: unknown plant '{plant}' (known: {', '.join(sorted(PLANTS))})")
    old, new = PLANTS[plant]
    lines = source.split("\n")
    if lines.count(old) != 1:
        sys.exit(f"evm_boa: plant '{plant}': the line to change is not in {CONTRACT} exactly once")
    lines[lines.index(old)] = new
    return "\n".join(lines)


def main():
    plant = os.environ.get("TITAN_EVM_BOA_PLANT", "")
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--plant":
        plant = args[1]
    elif args:
        sys.exit("usage: evm_boa.py [--plant NAME]")

    warnings.filterwarnings("ignore")  # Vyper warns that a storage array this large is unusual.
    try:
        import boa
    except ImportError as e:
        sys.exit(f"evm_boa.py: {e}: titanoboa is not installed in this Python; run ./scripts/setup (it installs it into .venv)")

    contract = boa.loads(contract_source(plant), name="titan_ledger")
    evm = boa.env.evm
    snapshot = evm.snapshot()

    def addr(s):
        return "0x" + s[2:]

    def handle(req):
        nonlocal snapshot
        op = req["op"]
        try:
            if op == "reset":
                evm.revert(snapshot)
                snapshot = evm.snapshot()
                out = {"ret": 0}
            elif op == "storage_write":
                out = {"ret": contract.storage_write(bytes.fromhex(req["key"][2:]), bytes.fromhex(req["value"][2:]))}
            elif op == "storage_read":
                ret, n, value = contract.storage_read(bytes.fromhex(req["key"][2:]), req["buf_len"])
                out = {"ret": ret}
                if ret == 0:
                    out.update(value="0x" + value.hex(), out_len=n)
                elif ret == -2:
                    out["out_len"] = n
            elif op == "storage_delete":
                out = {"ret": contract.storage_delete(bytes.fromhex(req["key"][2:]))}
            elif op == "mint":
                contract.mint(addr(req["to"]), int(req["amount"]))
                out = {"ret": 0}
            elif op == "transfer":
                contract.transfer(addr(req["from"]), addr(req["to"]), int(req["amount"]))
                out = {"ret": 0}
            elif op == "balance":
                out = {"ret": 0, "amount": str(contract.balance_of(addr(req["addr"])))}
            elif op == "total_supply":
                out = {"ret": 0, "amount": str(contract.total_supply())}
            elif op == "storage_at":
                word = evm.get_storage(contract.address, int(req["slot"], 16))
                out = {"ret": 0, "word": "0x" + word.to_bytes(32, "big").hex()}
            else:
                out = {"ret": 99, "error": f"unknown op {op}"}
        except boa.BoaError as e:
            # A reverted call. titan.h: mint 1 (supply overflow), transfer 1 (insufficient balance).
            if op in ("mint", "transfer"):
                out = {"ret": 1}
            else:
                out = {"ret": 3}
                print(f"evm_boa: {op} reverted: {e}", file=sys.stderr)
        return out

    serve(handle)


if __name__ == "__main__":
    main()
