#!/usr/bin/env python3
"""titan conform target for a Vyper contract: compiled by the pinned Vyper, run on py-evm through
titanoboa. It speaks the conformance protocol (Docs/conformance.md): one JSON request a line on
stdin, one JSON reply a line on stdout.

    {"id":1,"op":"describe"}
      -> {"id":1,"functions":[{"name":"transfer","inputs":["address","uint256"],"outputs":["bool"]}, ...],
          "constructor":["string"]}
    {"id":2,"op":"run","deploy":{"sender":"0x..","timestamp":0,"args":[...]},
     "steps":[{"function":"transfer","args":["0x..","5"],"sender":"0x..","timestamp":10,"value":"0"}],
     "observe":[{"function":"balanceOf","args":["0x.."]}, ...]}
      -> {"id":2,"deploy":{"reverted":false,"observations":[...]},
          "steps":[{"reverted":false,"returned":["1"],"observations":[...]}]}

Integers travel as decimal strings, addresses and byte strings as 0x-hex, booleans as JSON
booleans. Each run deploys a fresh contract and undoes everything afterwards (an EVM snapshot),
so runs are independent. An observation is null when its getter reverted.

Contracts the implementation needs (an ERC-4626 vault's asset) are named after the contract:
`conform_vyper.py VAULT.vy asset=ASSET.vy`. A run's `"contracts":[{"name":"asset","args":[...]}]`
deploys them first, in order; their functions are `asset.NAME` in `describe` and in calls, and an
argument `"@asset"` is that contract's address (`"@target"` the implementation's own).

Usage: conform_vyper.py CONTRACT.vy [NAME=OTHER.vy ...]   (snekmate and the other installed packages are importable)
"""
import json
import os
import sys
import warnings

from jsonlines import serve


def fail(message):
    # The first line on stdout is an error reply: the engine reports it as the target's error.
    sys.stdout.write(json.dumps({"id": 0, "error": message}) + "\n")
    sys.stdout.flush()
    sys.exit(3)


def main():
    if len(sys.argv) < 2 or any("=" not in a for a in sys.argv[2:]):
        sys.exit("usage: conform_vyper.py CONTRACT.vy [NAME=OTHER.vy ...]")
    path = sys.argv[1]
    others = [tuple(a.split("=", 1)) for a in sys.argv[2:]]
    warnings.filterwarnings("ignore")
    try:
        import boa
    except ImportError as e:
        fail(f"{e}: titanoboa is not installed in this Python; run ./scripts/setup (it installs it into .venv)")
    from vyper.compiler.output import build_abi_output

    def compile_contract(file):
        if not os.path.isfile(file):
            fail(f"{file}: no such file")
        try:
            return boa.load_partial(file)
        except Exception as e:  # the compiler's own message, with its line and column
            text = str(e).strip() or type(e).__name__
            fail(f"{file}: does not compile with vyper: {text}")

    def interface(deployer, prefix):
        functions, constructor = {}, []
        for item in build_abi_output(deployer.compiler_data):
            if item.get("type") == "function":
                functions.setdefault(prefix + item["name"], {
                    "name": prefix + item["name"],
                    "inputs": [i["type"] for i in item.get("inputs", [])],
                    "outputs": [o["type"] for o in item.get("outputs", [])],
                })
            elif item.get("type") == "constructor":
                constructor = [i["type"] for i in item.get("inputs", [])]
        return functions, constructor

    # Skips work titanoboa does for debugging (gas and trace bookkeeping); results are the same.
    boa.env.enable_fast_mode()
    deployer = compile_contract(path)
    functions, constructor = interface(deployer, "")
    helpers = {}
    for name, file in others:
        d = compile_contract(file)
        f, c = interface(d, name + ".")
        functions.update(f)
        helpers[name] = (d, c)

    addresses = {}  # "@name" -> the address of a contract deployed in this run

    def decode(value, abi_type):
        """A protocol value as the Python value titanoboa takes for `abi_type`."""
        if isinstance(value, str) and value.startswith("@"):
            if value not in addresses:
                raise KeyError(f"no contract {value[1:]!r} is deployed in this run")
            return addresses[value]
        if abi_type.startswith("uint") or abi_type.startswith("int"):
            return int(value)
        if abi_type == "bool":
            return bool(value)
        if abi_type == "address":
            return "0x" + int(value, 16).to_bytes(20, "big").hex()
        if abi_type.startswith("bytes"):
            return bytes.fromhex(value[2:])
        return value

    def encode(value):
        """A value titanoboa returned, in the protocol's form."""
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return str(value)
        if isinstance(value, (bytes, bytearray)):
            return "0x" + bytes(value).hex()
        if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
            return value.lower()
        if isinstance(value, (tuple, list)):
            return [encode(v) for v in value]
        return str(value)

    deployed = {}  # name -> contract, in this run

    def call(contract, function, args):
        fn = functions.get(function)
        if fn is None:
            raise KeyError(f"the contract has no external function '{function}'")
        if len(args) != len(fn["inputs"]):
            raise ValueError(f"'{function}' takes {len(fn['inputs'])} argument(s), {len(args)} were given")
        values = [decode(a, t) for a, t in zip(args, fn["inputs"])]
        if "." in function:
            name, function = function.split(".", 1)
            contract = deployed[name]
        return getattr(contract, function)(*values)

    def observe(contract, observations):
        out = []
        for o in observations:
            try:
                out.append(encode(call(contract, o["function"], o.get("args", []))))
            except boa.BoaError:
                out.append(None)
        return out

    def run(req):
        observations = req.get("observe", [])
        deploy = req.get("deploy", {})
        with boa.env.anchor():
            boa.env.timestamp = int(deploy.get("timestamp", 0))
            addresses.clear()
            deployed.clear()
            try:
                with boa.env.prank(decode(deploy.get("sender", "0x1"), "address")):
                    for c in req.get("contracts", []):
                        helper, types = helpers[c["name"]]
                        deployed[c["name"]] = helper.deploy(*[decode(a, t) for a, t in zip(c.get("args", []), types)])
                        addresses["@" + c["name"]] = str(deployed[c["name"]].address)
                    args = [decode(a, t) for a, t in zip(deploy.get("args", []), constructor)]
                    if len(args) != len(constructor):
                        raise ValueError(f"the constructor takes {len(constructor)} argument(s), {len(deploy.get('args', []))} were given")
                    contract = deployer.deploy(*args)
                    addresses["@target"] = str(contract.address)
            except boa.BoaError:
                return {"deploy": {"reverted": True, "observations": []}, "steps": []}
            result = {"deploy": {"reverted": False, "observations": observe(contract, observations)}, "steps": []}
            for step in req.get("steps", []):
                boa.env.timestamp = max(boa.env.timestamp, int(step.get("timestamp", boa.env.timestamp)))
                try:
                    with boa.env.prank(decode(step.get("sender", "0x1"), "address")):
                        returned = call(contract, step["function"], step.get("args", []))
                    reverted = False
                except boa.BoaError:
                    returned, reverted = None, True
                if returned is not None and not isinstance(returned, (tuple, list)):
                    returned = [returned]
                result["steps"].append({"reverted": reverted, "returned": None if returned is None else encode(returned),
                                        "observations": observe(contract, observations)})
            return result

    def handle(req):
        op = req.get("op")
        try:
            if op == "describe":
                return {"functions": list(functions.values()), "constructor": constructor}
            if op == "run":
                return run(req)
            return {"error": f"unknown op {op!r}"}
        except (KeyError, ValueError, TypeError) as e:
            return {"error": str(e).strip("'\"")}

    serve(handle)


if __name__ == "__main__":
    main()
