#!/usr/bin/env python3
"""Hunt the same planted bugs in the example external backend with two tools, in one run:

  * a Hypothesis stateful test (hypothesis.stateful.RuleBasedStateMachine) that drives the
    backend over the JSON Lines protocol and checks it against a small Python model;
  * `titan fuzz --backend-cmd`, which checks it against the interpreter running the specs.

For each planted bug and seed it prints the time to the first failure and the length of the
shrunk trace each tool reports. Run from the package root after `swift build -c release`:

    python3 bench/hypothesis_vs_titan.py [--seeds 5] [--titan .build/release/titan]
"""
import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time

from hypothesis import HealthCheck, seed as hseed, settings, strategies as st
from hypothesis import reporting
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

BACKEND = "examples/backend/titan_backend.py"
BUGS = ["transfer-self", "buffer-off-by-one"]
MAX = 2**256 - 1
ADDRESSES = ["0x" + f"{i:040x}" for i in (1, 2, 3)]
KEYS = [b"", b"\x00", b"k", b"key-1"]
LENGTHS = [0, 1, 31, 32, 33, 127, 128]


class Backend:
    """The example backend as a child process speaking JSON Lines."""

    def __init__(self, plant):
        self.proc = subprocess.Popen([sys.executable, BACKEND, "--plant", plant], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1)
        self.next_id = 0

    def call(self, op, **args):
        self.next_id += 1
        self.proc.stdin.write(json.dumps({"id": self.next_id, "op": op, **args}) + "\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        assert reply["id"] == self.next_id
        return reply

    def close(self):
        self.proc.kill()
        self.proc.wait()


def machine_for(backend):
    class TitanBackendMachine(RuleBasedStateMachine):
        """The backend against a model: balances, supply and storage as Python values. One
        backend process serves every example, reset at the start of each, as titan fuzz does."""

        def __init__(self):
            super().__init__()
            self.backend = backend
            self.backend.call("reset")
            self.balances, self.supply, self.storage = {}, 0, {}

        @rule(to=st.sampled_from(ADDRESSES), amount=st.sampled_from([0, 1, 2, MAX]))
        def mint(self, to, amount):
            ret = self.backend.call("mint", to=to, amount=str(amount))["ret"]
            expected = 1 if self.supply + amount > MAX else 0
            assert ret == expected
            if expected == 0:
                self.supply += amount
                self.balances[to] = self.balances.get(to, 0) + amount

        @rule(sender=st.sampled_from(ADDRESSES), to=st.sampled_from(ADDRESSES), amount=st.sampled_from([0, 1, 2, MAX]))
        def transfer(self, sender, to, amount):
            ret = self.backend.call("transfer", **{"from": sender, "to": to, "amount": str(amount)})["ret"]
            expected = 1 if self.balances.get(sender, 0) < amount else 0
            assert ret == expected
            if expected == 0:
                self.balances[sender] = self.balances.get(sender, 0) - amount
                self.balances[to] = self.balances.get(to, 0) + amount

        @rule(addr=st.sampled_from(ADDRESSES))
        def balance(self, addr):
            assert int(self.backend.call("balance", addr=addr)["amount"]) == self.balances.get(addr, 0)

        @rule(key=st.sampled_from(KEYS), length=st.sampled_from(LENGTHS))
        def storage_write(self, key, length):
            value = bytes([7]) * length
            assert self.backend.call("storage_write", key="0x" + key.hex(), value="0x" + value.hex())["ret"] == 0
            self.storage[key] = value

        @rule(key=st.sampled_from(KEYS), slack=st.sampled_from([-1, 0, 1]))
        def storage_read(self, key, slack):
            want = self.storage.get(key)
            buf_len = max(0, (len(want) if want is not None else 0) + slack)
            reply = self.backend.call("storage_read", key="0x" + key.hex(), buf_len=buf_len)
            if want is None:
                assert reply["ret"] == -1
            elif len(want) > buf_len:
                assert reply["ret"] == -2 and reply["out_len"] == len(want)
            else:
                assert reply["ret"] == 0 and reply["value"] == "0x" + want.hex()

        @rule(key=st.sampled_from(KEYS))
        def storage_delete(self, key):
            ret = self.backend.call("storage_delete", key="0x" + key.hex())["ret"]
            assert ret == (0 if key in self.storage else -1)
            self.storage.pop(key, None)

        @invariant()
        def supply_matches(self):
            assert int(self.backend.call("total_supply")["amount"]) == self.supply

    return TitanBackendMachine


def hypothesis_hunt(plant, seed_value):
    """Seconds until Hypothesis reports a failure, and the number of steps in its shrunk example."""
    backend = Backend(plant)
    machine = machine_for(backend)
    start = time.monotonic()
    try:
        with reporting.with_reporter(lambda _: None):
            hseed(seed_value)(lambda: run_state_machine_as_test(
                machine, settings=settings(max_examples=10_000, database=None, deadline=None,
                                           report_multiple_bugs=False,
                                           suppress_health_check=list(HealthCheck))))()
    except AssertionError as failure:
        elapsed = time.monotonic() - start
        text = "\n".join(getattr(failure, "__notes__", []))
        # Rule calls in the falsifying example; invariant checks are not steps.
        steps = len([m for m in re.findall(r"^state\.(\w+)\(", text, flags=re.M) if m not in ("supply_matches", "teardown")])
        return elapsed, steps
    finally:
        backend.close()
    return None, None


def titan_hunt(titan, plant, seed_value):
    """Seconds until `titan fuzz` reports the divergence, and the length of its shrunk trace."""
    with tempfile.TemporaryDirectory() as corpus:
        start = time.monotonic()
        out = subprocess.run([titan, "fuzz", "--backend-cmd", f"{sys.executable} {BACKEND} --plant {plant}",
                              "--seed", str(seed_value), "--max-sequences", "100000", "--corpus-dir", corpus],
                             capture_output=True, text=True)
        elapsed = time.monotonic() - start
    m = re.search(r"\((\d+) operations? after shrinking\)", out.stdout)
    if out.returncode != 1 or not m:
        return None, None
    return elapsed, int(m.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--titan", default=".build/release/titan")
    args = ap.parse_args()
    print("| planted bug | seed | Hypothesis: s to failure | Hypothesis: shrunk steps | titan fuzz: s to failure | titan fuzz: shrunk steps |")
    print("| --- | --- | --- | --- | --- | --- |")
    summary = {}
    for plant in BUGS:
        for s in range(1, args.seeds + 1):
            ht, hs = hypothesis_hunt(plant, s)
            tt, ts = titan_hunt(args.titan, plant, s)
            summary.setdefault(plant, []).append((ht, hs, tt, ts))
            f = lambda x, p="%.2f": "not found" if x is None else (p % x)
            print(f"| {plant} | {s} | {f(ht)} | {f(hs, '%d')} | {f(tt)} | {f(ts, '%d')} |", flush=True)
    print()
    for plant, rows in summary.items():
        def med(i):
            xs = [r[i] for r in rows if r[i] is not None]
            return statistics.median(xs) if xs else float("nan")
        print(f"{plant}: median Hypothesis {med(0):.2f} s / {med(1):.0f} steps; "
              f"titan fuzz {med(2):.2f} s / {med(3):.0f} steps")


if __name__ == "__main__":
    main()
