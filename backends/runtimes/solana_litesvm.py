#!/usr/bin/env python3
"""titan fuzz backend `solana-litesvm`: the titan.h ledger calls on the SPL Token program.

The SPL Token program that LiteSVM ships (solders.litesvm) runs in LiteSVM, a Solana VM in
process; every ledger request of the external JSON Lines protocol (Docs/fuzzing.md, "External
backends") is one signed transaction to it:

- `reset`: a new mint (InitializeMint2, 0 decimals, the payer as mint authority) in a fresh
  VM every 256 resets, in the same VM otherwise; token accounts of the old mint are not looked
  at again.
- an address's token account is created (system CreateAccount + InitializeAccount3) the first
  time the address is used; its owner is a keypair derived from the address (seed:
  sha256("titan-owner" . address)), so a transfer is signed by the sender's owner.
- `mint`: MintTo; `transfer`: Transfer (tag 3); a failed transaction is ret 1 (the program
  refuses a supply past 2^64 - 1 and an insufficient balance). An amount that does not fit the
  program's u64 is ret 1 without a transaction: no such mint fits, and no balance covers such
  a transfer.
- `balance`, `total_supply`: the token account's and the mint's amount, read from the
  accounts' data (0 for an address without a token account).

Storage calls are not supported: the reply to `reset` says `"supports":"ledger"` (the
protocol's capability field), so titan sends this backend no storage calls.
"""
import hashlib
import struct
import sys

from jsonlines import serve

try:
    from solders.instruction import AccountMeta, Instruction
    from solders.keypair import Keypair
    from solders.litesvm import LiteSVM
    from solders.message import Message
    from solders.pubkey import Pubkey
    from solders.system_program import CreateAccountParams, create_account
    from solders.token.state import Mint, TokenAccount
    from solders.transaction import Transaction
    from solders.transaction_metadata import FailedTransactionMetadata
except ImportError as e:
    sys.exit(f"solana_litesvm.py: {e}: solders is not installed in this Python; run ./scripts/setup (it installs it into .venv)")

TOKEN_PROGRAM = Pubkey.from_string("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA")
MINT_SIZE, ACCOUNT_SIZE = 82, 165
U64_MAX = 2**64 - 1
# SPL Token instruction tags (spl-token's TokenInstruction).
TRANSFER, MINT_TO, INITIALIZE_ACCOUNT3, INITIALIZE_MINT2 = 3, 7, 18, 20


class Ledger:
    def __init__(self):
        self.resets = 0
        self.new_vm()

    def new_vm(self):
        self.svm = LiteSVM()
        if self.svm.get_account(TOKEN_PROGRAM) is None:
            sys.exit("solana_litesvm: this LiteSVM has no SPL Token program")
        self.payer = Keypair()
        # Enough lamports for the fees and rent of every account until the next fresh VM.
        if isinstance(self.svm.airdrop(self.payer.pubkey(), 10**12), FailedTransactionMetadata):
            sys.exit("solana_litesvm: the airdrop to the payer failed")
        self.owners = {}

    def send(self, instructions, signers):
        tx = Transaction([self.payer] + signers, Message(instructions, self.payer.pubkey()), self.svm.latest_blockhash())
        result = self.svm.send_transaction(tx)
        # A new blockhash per transaction: two identical transfers are two transactions.
        self.svm.expire_blockhash()
        return not isinstance(result, FailedTransactionMetadata), result

    def create(self, account, size, init):
        rent = self.svm.minimum_balance_for_rent_exemption(size)
        ok, result = self.send([create_account(CreateAccountParams(
            from_pubkey=self.payer.pubkey(), to_pubkey=account.pubkey(), lamports=rent, space=size,
            owner=TOKEN_PROGRAM)), init], [account])
        if not ok:
            sys.exit(f"solana_litesvm: creating an account failed: {result}")

    def reset(self):
        self.resets += 1
        if self.resets % 256 == 0:
            self.new_vm()
        self.mint = Keypair()
        self.accounts = {}
        self.create(self.mint, MINT_SIZE, Instruction(
            TOKEN_PROGRAM, bytes([INITIALIZE_MINT2, 0]) + bytes(self.payer.pubkey()) + b"\0",
            [AccountMeta(self.mint.pubkey(), False, True)]))

    def owner(self, address):
        if address not in self.owners:
            self.owners[address] = Keypair.from_seed(hashlib.sha256(b"titan-owner" + address).digest())
        return self.owners[address]

    def account(self, address):
        """The address's token account for the current mint, created on first use."""
        if address not in self.accounts:
            account = Keypair()
            self.create(account, ACCOUNT_SIZE, Instruction(
                TOKEN_PROGRAM, bytes([INITIALIZE_ACCOUNT3]) + bytes(self.owner(address).pubkey()),
                [AccountMeta(account.pubkey(), False, True), AccountMeta(self.mint.pubkey(), False, False)]))
            self.accounts[address] = account.pubkey()
        return self.accounts[address]

    def mint_to(self, address, amount):
        if amount > U64_MAX:
            return 1
        account = self.account(address)
        ok, _ = self.send([Instruction(
            TOKEN_PROGRAM, bytes([MINT_TO]) + struct.pack("<Q", amount),
            [AccountMeta(self.mint.pubkey(), False, True), AccountMeta(account, False, True),
             AccountMeta(self.payer.pubkey(), True, False)])], [])
        return 0 if ok else 1

    def transfer(self, sender, to, amount):
        if amount > U64_MAX:
            return 1
        source, destination = self.account(sender), self.account(to)
        owner = self.owner(sender)
        ok, _ = self.send([Instruction(
            TOKEN_PROGRAM, bytes([TRANSFER]) + struct.pack("<Q", amount),
            [AccountMeta(source, False, True), AccountMeta(destination, False, True),
             AccountMeta(owner.pubkey(), True, False)])], [owner])
        return 0 if ok else 1

    def balance(self, address):
        if address not in self.accounts:
            return 0
        return TokenAccount.from_bytes(bytes(self.svm.get_account(self.accounts[address]).data)[:ACCOUNT_SIZE]).amount

    def total_supply(self):
        return Mint.from_bytes(bytes(self.svm.get_account(self.mint.pubkey()).data)[:MINT_SIZE]).supply


def main():
    ledger = Ledger()

    def handle(req):
        op = req["op"]
        if op == "reset":
            ledger.reset()
            return {"ret": 0, "supports": "ledger"}
        if op == "mint":
            return {"ret": ledger.mint_to(bytes.fromhex(req["to"][2:]), int(req["amount"]))}
        if op == "transfer":
            return {"ret": ledger.transfer(bytes.fromhex(req["from"][2:]), bytes.fromhex(req["to"][2:]), int(req["amount"]))}
        if op == "balance":
            return {"ret": 0, "amount": str(ledger.balance(bytes.fromhex(req["addr"][2:])))}
        if op == "total_supply":
            return {"ret": 0, "amount": str(ledger.total_supply())}
        # Storage calls: this backend says it does not take them (see the docstring).
        return {"ret": 98, "error": f"{op} is not supported (ledger only)"}

    serve(handle)


if __name__ == "__main__":
    main()
