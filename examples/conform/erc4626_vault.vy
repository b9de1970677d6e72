# pragma version ~=0.4.3
# snekmate 0.1.2's ERC-4626 vault (with its ERC-20 shares and Ownable), over an asset token
# deployed first (examples/conform/erc20_token.vy, named `asset` in the mapping file).
from ethereum.ercs import IERC20
from snekmate.extensions import erc4626

initializes: erc4626

exports: erc4626.__interface__


@deploy
def __init__(asset_: address):
    erc4626.__init__("Vault", "vTTN", IERC20(asset_), 0, "Vault", "1")
