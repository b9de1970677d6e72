#!/usr/bin/env python3
"""titan fuzz backend `bitcoin-script`: the titan.h ledger on UTXOs that python-bitcoinlib's
script interpreter (`bitcoin.core.scripteval.VerifyScript`) guards.

Every output is a bare k-of-n multisig, `OP_k <pubkey_0> ... <pubkey_n-1> OP_n
OP_CHECKMULTISIG`, to the keys of its owner (private key i of address a is
sha256("titan-multisig-key" . a . i)); every spend is a real transaction whose inputs carry
real ECDSA signatures (SIGHASH_ALL) and are each verified by `VerifyScript`. The external
JSON Lines protocol (Docs/fuzzing.md, "External backends") is spoken with members titan adds to the
requests of this backend (Sources/TitanBackends/BitcoinScriptWallet.swift):

- `mint {"to", "amount", "to_policy": [k, n]}`: a coinbase-like transaction (a unique height in
  its scriptSig) with one output to `to`'s k-of-n script; ret 1 when the supply would pass
  MAX_MONEY (`CheckTransaction` refuses a larger output); an amount of 0 creates nothing.
- `transfer {"from", "to", "amount", "from_policy", "to_policy", "witness", "model_accepts"}`:
  `witness` is how a scriptSig is built (`{"sigs": [...], "dummy": "0x..." | null,
  "nulldummy": bool, "extra": int}`: `extra` elements 0x51, the dummy, then per entry of
  `sigs` the signature of the sender's key of that index, -1 a signature by an outsider's key,
  -2 an empty one; the interpreter runs with P2SH, and NULLDUMMY when `nulldummy`), and
  `model_accepts` is the built-in BitcoinMultisig model's verdict on it.
  - `model_accepts` false: the witness is an attacker's. All the sender's outputs are spent
    with it to a thief's output (not anyone's balance, still in the supply); the interpreter
    should reject every input. If it accepts them all, the theft is committed: the coins are
    gone from the sender's balance. Then the owner's transfer is made with the canonical
    witness (the first k keys in order, an empty dummy, NULLDUMMY).
  - `model_accepts` true: the owner's transfer is made with this witness.
  The owner's transfer spends the sender's oldest outputs into a payment to `to` and change to
  `from` (ret 1: the balance is insufficient, or the amount passes MAX_MONEY); a transaction
  the interpreter rejects is not committed and is ret 2. An amount of 0 spends nothing (ret 0).
- `balance`, `total_supply`: sums of unspent outputs, the owner's and all.

So a model that accepts what the interpreter rejects shows as a transfer's ret 2 where the
reference's ret is 0, and a model that rejects what the interpreter accepts as a balance lower
than the reference's. Storage calls are not supported: the reply to `reset` says
`"supports":"ledger"`.

`TITAN_BITCOIN_SCRIPT_PLANT=NAME` (or `--plant NAME`) plants a bug in the chain's rules, to
check that the fuzzer finds it: `no-nulldummy` (the interpreter never applies NULLDUMMY, as
before BIP 147: a dirty dummy the model refuses steals the coins) and `cleanstack` (the
interpreter also applies CLEANSTACK: a spend the model accepts with an extra element left below
the dummy is refused).
"""
import collections
import functools
import hashlib
import json
import os
import sys

from jsonlines import serve

try:
    from bitcoin.core import COutPoint, CMutableTransaction, CMutableTxIn, CMutableTxOut, CheckTransaction, coreparams
    from bitcoin.core.script import OP_CHECKMULTISIG, OP_TRUE, SIGHASH_ALL, CScript, SignatureHash
    from bitcoin.core.scripteval import (SCRIPT_VERIFY_CLEANSTACK, SCRIPT_VERIFY_NULLDUMMY, SCRIPT_VERIFY_P2SH,
                                         VerifyScript)
    from bitcoin.wallet import CKey
except ImportError as e:
    sys.exit(f"bitcoin_script.py: {e}: python-bitcoinlib is not installed in this Python; run ./scripts/setup (it installs it into .venv)")

PLANTS = ("no-nulldummy", "cleanstack")
OUTSIDER = CKey(hashlib.sha256(b"titan-multisig-outsider").digest())
THIEF = CScript([OP_TRUE])
MAX_MONEY = coreparams.MAX_MONEY   # 21,000,000 BTC in satoshis (mainnet's)


@functools.lru_cache(maxsize=None)
def key(address, i):
    return CKey(hashlib.sha256(b"titan-multisig-key" + address + bytes([i])).digest())


@functools.lru_cache(maxsize=None)
def lock(address, k, n):
    """The bare k-of-n multisig script to `address`'s first n keys."""
    return CScript([k] + [key(address, i).pub for i in range(n)] + [n, OP_CHECKMULTISIG])


def kinds(witness, k):
    """What a witness exercises, for the statistics."""
    sigs, dummy = witness["sigs"], witness["dummy"]
    out = []
    real = [c for c in sigs if c >= 0]
    if len(sigs) != k:
        out.append("too few signatures" if len(sigs) < k else "too many signatures")
    if any(c < 0 for c in sigs):
        out.append("outsider or empty signature")
    if len(set(real)) < len(real):
        out.append("duplicate signature")
    if real != sorted(real):
        out.append("out of key order")
    if dummy is None:
        out.append("no dummy")
    elif dummy != "0x":
        out.append("dirty dummy, NULLDUMMY" if witness["nulldummy"] else "dirty dummy, no NULLDUMMY")
    if witness["extra"]:
        out.append("extra element")
    if k > 16:
        out.append("k > 16")
    return out or ["canonical form"]


class Chain:
    def __init__(self, plant=None, stats=None):
        self.plant = plant
        # TITAN_BITCOIN_SCRIPT_STATS=PATH: counts of the witnesses the interpreter judged, by
        # the model's verdict and the interpreter's and by what they exercise, rewritten at
        # every reset.
        self.stats_path = stats
        self.stats = collections.Counter()
        self.reset()

    def count(self, witness, k, model, real):
        if self.stats_path is None:
            return
        verdict = f"model {'accepts' if model else 'rejects'}, interpreter {'accepts' if real else 'rejects'}"
        self.stats[verdict] += 1
        for kind in kinds(witness, k):
            self.stats[f"{kind}: {verdict}"] += 1

    def reset(self):
        if self.stats_path is not None and self.stats:
            # Replaced whole: titan kills the adapter at the end of a run, maybe mid-write.
            with open(self.stats_path + ".tmp", "w") as f:
                json.dump(dict(sorted(self.stats.items())), f, indent=1)
            os.replace(self.stats_path + ".tmp", self.stats_path)
        self.utxos = {}        # COutPoint -> (value, script, owner or None for the thief)
        self.order = []        # outpoints in the order they were created (coin selection)
        self.height = 0

    def commit(self, tx, owners, spent=()):
        txid = tx.GetTxid()
        for p in spent:
            del self.utxos[p]
        spent = set(spent)
        self.order = [p for p in self.order if p not in spent]
        for i, (out, owner) in enumerate(zip(tx.vout, owners)):
            p = COutPoint(txid, i)
            self.utxos[p] = (out.nValue, out.scriptPubKey, owner)
            self.order.append(p)

    def outputs(self, owner):
        return [p for p in self.order if self.utxos[p][2] == owner]

    def balance(self, owner):
        return sum(self.utxos[p][0] for p in self.outputs(owner))

    def supply(self):
        return sum(v for v, _, _ in self.utxos.values())

    def flags(self, witness):
        flags = {SCRIPT_VERIFY_P2SH}
        if witness["nulldummy"] and self.plant != "no-nulldummy":
            flags.add(SCRIPT_VERIFY_NULLDUMMY)
        if self.plant == "cleanstack":
            flags.add(SCRIPT_VERIFY_CLEANSTACK)
        return tuple(flags)

    def signed(self, owner, inputs, outputs, witness):
        """The transaction spending `inputs` (outpoints of `owner`) into `outputs`, each input's
        scriptSig built from `witness`; and whether the interpreter accepts every input."""
        tx = CMutableTransaction([CMutableTxIn(p) for p in inputs], outputs)
        CheckTransaction(tx)
        scripts = [self.utxos[p][1] for p in inputs]
        hashes = [SignatureHash(s, tx, i, SIGHASH_ALL) for i, s in enumerate(scripts)]
        for i, h in enumerate(hashes):
            elements = [b"\x51"] * witness["extra"]
            if witness["dummy"] is not None:
                elements.append(bytes.fromhex(witness["dummy"][2:]))
            for c in witness["sigs"]:
                if c == -2:
                    elements.append(b"")
                else:
                    signer = OUTSIDER if c == -1 else key(owner, c)
                    elements.append(signer.sign(h) + bytes([SIGHASH_ALL]))
            tx.vin[i].scriptSig = CScript(elements)
        flags = self.flags(witness)
        for i, s in enumerate(scripts):
            try:
                VerifyScript(tx.vin[i].scriptSig, s, tx, i, flags)
            except Exception:  # ValidationError and EvalScriptError subclasses: the input is invalid
                return tx, False
        return tx, True

    def mint(self, to, amount, policy):
        if amount > MAX_MONEY or self.supply() + amount > MAX_MONEY:
            return 1
        if amount == 0:
            return 0
        self.height += 1
        tx = CMutableTransaction([CMutableTxIn(COutPoint(), CScript([self.height, b"titan"]))],
                                 [CMutableTxOut(amount, lock(to, *policy))])
        CheckTransaction(tx)
        self.commit(tx, [to])
        return 0

    def transfer(self, sender, to, amount, from_policy, to_policy, witness, model_accepts):
        if not model_accepts:
            # An attacker's spend of everything the sender holds: it must not pass.
            inputs = self.outputs(sender)
            if inputs:
                total = sum(self.utxos[p][0] for p in inputs)
                tx, ok = self.signed(sender, inputs, [CMutableTxOut(total, THIEF)], witness)
                self.count(witness, from_policy[0], False, ok)
                if ok:
                    self.commit(tx, [None], inputs)
            k = from_policy[0]
            witness = {"sigs": list(range(k)), "dummy": "0x", "nulldummy": True, "extra": 0}
        if amount == 0:
            return 0
        if amount > MAX_MONEY:
            return 1
        inputs, total = [], 0
        for p in self.outputs(sender):
            if total >= amount:
                break
            inputs.append(p)
            total += self.utxos[p][0]
        if total < amount:
            return 1
        outputs = [CMutableTxOut(amount, lock(to, *to_policy))]
        owners = [to]
        if total > amount:
            outputs.append(CMutableTxOut(total - amount, lock(sender, *from_policy)))
            owners.append(sender)
        tx, ok = self.signed(sender, inputs, outputs, witness)
        if model_accepts:
            self.count(witness, from_policy[0], True, ok)
        if not ok:
            return 2
        self.commit(tx, owners, inputs)
        return 0


def main():
    plant = os.environ.get("TITAN_BITCOIN_SCRIPT_PLANT") or None
    if "--plant" in sys.argv:
        plant = sys.argv[sys.argv.index("--plant") + 1]
    if plant is not None and plant not in PLANTS:
        sys.exit(f"bitcoin_script.py: unknown plant {plant!r} (known: {', '.join(PLANTS)})")
    chain = Chain(plant, os.environ.get("TITAN_BITCOIN_SCRIPT_STATS") or None)
    address = lambda h: bytes.fromhex(h[2:])

    def handle(req):
        op = req["op"]
        if op == "reset":
            chain.reset()
            return {"ret": 0, "supports": "ledger"}
        if op == "mint":
            return {"ret": chain.mint(address(req["to"]), int(req["amount"]), tuple(req["to_policy"]))}
        if op == "transfer":
            return {"ret": chain.transfer(address(req["from"]), address(req["to"]), int(req["amount"]),
                                          tuple(req["from_policy"]), tuple(req["to_policy"]), req["witness"],
                                          req["model_accepts"])}
        if op == "balance":
            return {"ret": 0, "amount": str(chain.balance(address(req["addr"])))}
        if op == "total_supply":
            return {"ret": 0, "amount": str(chain.supply())}
        # Storage calls: this backend says it does not take them (see the docstring).
        return {"ret": 98, "error": f"{op} is not supported (ledger only)"}

    serve(handle)


if __name__ == "__main__":
    main()
