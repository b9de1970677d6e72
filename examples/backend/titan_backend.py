#!/usr/bin/env python3
"""A small, correct Titan backend speaking the `titan fuzz --backend-cmd` JSON Lines protocol.

One request object per line on stdin, one reply per line on stdout, in order. Storage is a
dict of byte strings; amounts are uint256 (a mint that would take the total supply past
2**256 - 1 fails with ret 1; a transfer without the balance fails with ret 1).

    titan fuzz --backend-cmd "python3 examples/backend/titan_backend.py"

--plant NAME plants a realistic bug, to check the fuzzer finds and shrinks it:
  transfer-self       both balances are read before either is written, so a transfer to
                      oneself credits the amount on top of the old balance
  buffer-off-by-one   storage_read reports -2 when the buffer is exactly the value's length
"""
import argparse
import json
import sys

UINT256_MAX = 2**256 - 1


class Backend:
    def __init__(self, plant):
        self.plant = plant
        self.reset()

    def reset(self):
        self.storage = {}
        self.balances = {}
        self.supply = 0
        return {"ret": 0}

    def storage_write(self, key, value):
        self.storage[key] = value
        return {"ret": 0}

    def storage_read(self, key, buf_len):
        if key not in self.storage:
            return {"ret": -1}
        value = self.storage[key]
        too_small = len(value) >= buf_len if self.plant == "buffer-off-by-one" and value else len(value) > buf_len
        if too_small:
            return {"ret": -2, "out_len": len(value)}
        return {"ret": 0, "value": "0x" + value.hex(), "out_len": len(value)}

    def storage_delete(self, key):
        if key not in self.storage:
            return {"ret": -1}
        del self.storage[key]
        return {"ret": 0}

    def mint(self, to, amount):
        if self.supply + amount > UINT256_MAX:
            return {"ret": 1}
        self.supply += amount
        self.balances[to] = self.balances.get(to, 0) + amount
        return {"ret": 0}

    def transfer(self, sender, to, amount):
        have = self.balances.get(sender, 0)
        if have < amount:
            return {"ret": 1}
        if self.plant == "transfer-self":
            receiver = self.balances.get(to, 0)
            self.balances[sender] = have - amount
            self.balances[to] = receiver + amount
        else:
            # Debit first, then read the receiver: a transfer to oneself changes nothing.
            self.balances[sender] = have - amount
            self.balances[to] = self.balances.get(to, 0) + amount
        return {"ret": 0}

    def handle(self, req):
        op = req["op"]
        if op == "reset":
            return self.reset()
        if op == "storage_write":
            return self.storage_write(hexbytes(req["key"]), hexbytes(req["value"]))
        if op == "storage_read":
            return self.storage_read(hexbytes(req["key"]), int(req["buf_len"]))
        if op == "storage_delete":
            return self.storage_delete(hexbytes(req["key"]))
        if op == "mint":
            return self.mint(address(req["to"]), int(req["amount"]))
        if op == "transfer":
            return self.transfer(address(req["from"]), address(req["to"]), int(req["amount"]))
        if op == "balance":
            return {"ret": 0, "amount": str(self.balances.get(address(req["addr"]), 0))}
        if op == "total_supply":
            return {"ret": 0, "amount": str(self.supply)}
        raise ValueError("unknown op " + op)


def hexbytes(s):
    if not s.startswith("0x"):
        raise ValueError("byte strings are 0x-prefixed hex: " + s)
    return bytes.fromhex(s[2:])


def address(s):
    b = hexbytes(s)
    if len(b) != 20:
        raise ValueError("addresses are 20 bytes: " + s)
    return b


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plant", choices=["transfer-self", "buffer-off-by-one"])
    backend = Backend(parser.parse_args().plant)
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        reply = backend.handle(req)
        reply["id"] = req["id"]
        out.write(json.dumps(reply, separators=(",", ":")) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
