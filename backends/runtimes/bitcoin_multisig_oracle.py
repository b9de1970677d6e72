#!/usr/bin/env python3
"""OP_CHECKMULTISIG oracle: python-bitcoinlib's script interpreter decides k-of-n spends.

JSON Lines on stdin and stdout, one reply per request, in order. A request

    {"id": 1, "n": 3, "k": 2, "sigs": [0, 2], "dummy": "0x", "nulldummy": true, "extra": 0}

builds the bare multisig output `OP_k <pubkey_0> ... <pubkey_n-1> OP_n OP_CHECKMULTISIG` (k and n
pushed as script numbers, so k > n and n up to 20 can be asked) and spends it with the scriptSig

    <extra elements: 0x51 each> [<dummy>] <sig_1> ... <sig_m>

where each entry of `sigs` is a key index (0 ... n-1: a real ECDSA signature, SIGHASH_ALL, by
that key over the spending transaction), -1 (a valid signature by a key not in the output) or
-2 (an empty signature), and `dummy` is the hex of the extra element OP_CHECKMULTISIG pops
(null: none pushed). The reply

    {"id": 1, "accepted": true}    or    {"id": 1, "accepted": false, "error": "..."}

is whether `bitcoin.core.scripteval.VerifyScript` accepts the spend with the flags P2SH and,
when `nulldummy` is true, NULLDUMMY (BIP 147). Keys are fixed: private key i is
sha256("titan-multisig-key" . i), the outsider's sha256("titan-multisig-outsider").
"""
import functools
import hashlib
import json
import sys

try:
    from bitcoin.core import CMutableTransaction, CMutableTxIn, CMutableTxOut, COutPoint
    from bitcoin.core.script import OP_CHECKMULTISIG, SIGHASH_ALL, CScript, SignatureHash
    from bitcoin.core.scripteval import SCRIPT_VERIFY_NULLDUMMY, SCRIPT_VERIFY_P2SH, VerifyScript
    from bitcoin.wallet import CKey
except ImportError as e:
    sys.exit(f"bitcoin_multisig_oracle.py: {e}: python-bitcoinlib is not installed in this Python; run ./scripts/setup (it installs it into .venv)")

KEYS = [CKey(hashlib.sha256(b"titan-multisig-key" + bytes([i])).digest()) for i in range(20)]
OUTSIDER = CKey(hashlib.sha256(b"titan-multisig-outsider").digest())
# The spending transaction: one input (the multisig output), one output.
TX = CMutableTransaction([CMutableTxIn(COutPoint(hashlib.sha256(b"titan-funding").digest(), 0))],
                         [CMutableTxOut(50_000, CScript([b"\x00" * 20]))])


def script_pubkey(k, n):
    return CScript([k] + [key.pub for key in KEYS[:n]] + [n, OP_CHECKMULTISIG])


@functools.lru_cache(maxsize=4096)
def signature(k, n, choice):
    """The scriptSig element for `choice` over the spend of the k-of-n output (cached: signing is slow)."""
    if choice == -2:
        return b""
    key = OUTSIDER if choice == -1 else KEYS[choice]
    return key.sign(SignatureHash(script_pubkey(k, n), TX, 0, SIGHASH_ALL)) + bytes([SIGHASH_ALL])


def decide(req):
    n, k = req["n"], req["k"]

    elements = [b"\x51"] * req.get("extra", 0)
    if req.get("dummy") is not None:
        elements.append(bytes.fromhex(req["dummy"][2:]))
    elements += [signature(k, n, c) for c in req["sigs"]]
    flags = (SCRIPT_VERIFY_P2SH, SCRIPT_VERIFY_NULLDUMMY) if req.get("nulldummy", True) else (SCRIPT_VERIFY_P2SH,)
    try:
        VerifyScript(CScript(elements), script_pubkey(k, n), TX, 0, flags)
        return {"accepted": True}
    except Exception as e:  # ValidationError and EvalScriptError subclasses: the spend is invalid
        return {"accepted": False, "error": f"{type(e).__name__}: {e}"}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        sys.stdout.write(json.dumps({"id": req["id"], **decide(req)}, separators=(",", ":")) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
